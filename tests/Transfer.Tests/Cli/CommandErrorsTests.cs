using System.Runtime.InteropServices;
using Transfer.Cli.Commands;
using Transfer.Rules.Errors;
using YamlDotNet.Core;

namespace Transfer.Tests.Cli;

/// <summary>Whatever a verb throws becomes one line on stderr and the documented exit code, never a stack trace.</summary>
public sealed class CommandErrorsTests
{
    public static TheoryData<Exception, int, string> Failures => new()
    {
        { new RuleConfigException("r.yaml:1:1: bad"), 2, "error: r.yaml:1:1: bad" },
        { new TransferPlanException("the plan fails"), 1, "error: the plan fails" },
        { new YamlException(new Mark(0, 3, 7), new Mark(0, 3, 8), "While scanning, found\nsomething"), 2, "error: invalid YAML at line 3, column 7: While scanning, found" },
        { new OperationCanceledException(), 2, "error: cancelled before the command finished; nothing was left half-written" },
        { new OutOfMemoryException("Array dimensions exceeded supported range."), 2, "error: out of memory: Array dimensions exceeded supported range." },
        { new ExternalException("Target 2 is out of bounds.\nException raised from nll_loss_out_frame at ...\nframe #0: c10::Error"), 2, "error: TorchSharp: Target 2 is out of bounds." },
        { new ArgumentException("Expected 4D input"), 2, "error: Expected 4D input" },
        { new InvalidOperationException("Operation is not valid due to the current state of the object."), 2, "error: Operation is not valid due to the current state of the object." },
        { new NullReferenceException("Object reference not set to an instance of an object."), 2, "error: unexpected NullReferenceException: Object reference not set to an instance of an object." },
        { new FileNotFoundException("a\nb.pt: not found"), 2, "error: a\\nb.pt: not found" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Each_failure_is_one_line_with_its_exit_code(Exception failure, int code, string line)
    {
        StringWriter stderr = new();
        int exit = CommandErrors.Run(() => throw failure, stderr);

        Assert.Equal(code, exit);
        Assert.Equal(line + "\n", stderr.ToString());
    }

    [Fact]
    public void Control_characters_in_a_message_are_escaped() =>
        Assert.Equal("bad\\nname\\x1b[31m.pt\\r\\t!", Transfer.Rules.Errors.MessageText.OneLine("bad\nname\u001b[31m.pt\r\t!"));
}
