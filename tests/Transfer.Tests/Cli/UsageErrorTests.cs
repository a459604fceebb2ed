using Transfer.Tests.FineTuning;

namespace Transfer.Tests.Cli;

/// <summary>Bad command lines: exit code 2 and exactly one line on stderr, never usage text or a stack trace.</summary>
public sealed class UsageErrorTests
{
    private static readonly string LeNet5 = Path.Combine(RepoPaths.Root, "examples", "LeNet5to6", "lenet5.pt");

    [Fact]
    public void An_unknown_format_value_is_one_line_listing_the_allowed_values()
    {
        (int code, string stdout, string stderr) = CliProcess.Run("plan", "--source", LeNet5, "--target", "LeNet6", "--format", "xml");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("error: Argument 'xml' not recognized. Must be one of: 'table', 'json', 'md' (see 'transfer --help')\n", stderr);
    }

    [Fact]
    public void An_unknown_verb_is_one_line_listing_the_verbs()
    {
        (int code, _, string stderr) = CliProcess.Run("bogus");

        Assert.Equal(2, code);
        Assert.Equal("error: unknown verb 'bogus'; the verbs are inspect, plan, apply, convert, run, export, evaluate, predict (see 'transfer --help')\n", stderr);
    }

    [Fact]
    public void A_misspelt_verb_suggests_the_closest_one()
    {
        (int code, string stdout, string stderr) = CliProcess.Run("inspec", LeNet5);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal("error: unknown verb 'inspec'; did you mean 'inspect'? (see 'transfer --help')\n", stderr);
    }

    [Fact]
    public void No_arguments_print_the_help_and_exit_2()
    {
        (int code, string stdout, string stderr) = CliProcess.Run();

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stderr);
        Assert.Contains("Usage:\n  transfer [command] [options]\n", stdout);
        Assert.Contains("  inspect <file>", stdout);
    }

    [Fact]
    public void Help_exits_0_and_names_the_command_transfer()
    {
        (int code, string stdout, _) = CliProcess.Run("--help");
        (int verbCode, string verbHelp, _) = CliProcess.Run("plan", "--help");

        Assert.Equal((0, 0), (code, verbCode));
        Assert.Contains("Usage:\n  transfer [command] [options]\n", stdout);
        Assert.Contains("Usage:\n  transfer plan [options]\n", verbHelp);
        Assert.DoesNotContain("Transfer.Cli", stdout + verbHelp);
    }

    [Theory]
    [InlineData("-1", "error: --seed must be a non-negative integer (see 'transfer --help')\n")]
    [InlineData("x", "error: --seed must be a non-negative integer (see 'transfer --help')\n")]
    [InlineData("1.5", "error: --seed must be a non-negative integer (see 'transfer --help')\n")]
    public void A_seed_that_is_not_a_non_negative_integer_is_one_line(string seed, string message)
    {
        (int code, string stdout, string stderr) = CliProcess.Run("plan", "--source", LeNet5, "--target", "LeNet6", "--seed", seed);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal(message, stderr);
    }
}
