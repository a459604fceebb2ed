using Transfer.Cli.Commands;

namespace Transfer.Tests.Formats;

/// <summary>
/// Files whose sizes are hostile (overflowing shapes, names a format cannot hold, tiny files that expand)
/// give every verb the same one-line refusal with exit 2, and leave no output behind.
/// </summary>
public sealed class HostileSizeCliTests
{
    /// <summary>The corpus files of issue 10's classes 1-4 and 10, and whether <c>transfer inspect --hash</c> reads them.</summary>
    public static TheoryData<string, bool> Corpus => new()
    {
        { "metadata_name.pt", true },
        { "expand_views.pt", true },
        { "shared_key_two_dtypes.pt", true },
        { "legacy_shared_key_two_dtypes.pt", true },
        { "stride0_2gib.pt", false },
        { "stride0_512mib.pt", false },
        { "string_past_end.pt", false },
        { "legacy_unterminated.pt", false },
        { "shape_overflow_zero.dat", false },
        { "sum_overflow.pt", false },
        { "zip64_locator_max.pt", false },
        { "memo_abuse.pt", false },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void The_real_command_reads_or_refuses_each_file_in_one_line_within_30_s_and_1_GiB(string file, bool readable)
    {
        string path = Fixture.Bad(file);
        Assert.True(new FileInfo(path).Length < 1 << 20);
        System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, stdout, stderr, peak) = BoundedReadTests.RunMeasured("inspect", "--hash", path);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.True(peak < 1L << 30, $"peak RSS {peak >> 20} MiB");
        if (readable)
        {
            Assert.True(code == 0, stderr);
            Assert.Equal("", stderr);
            Assert.Contains("sha256", stdout);
        }
        else
        {
            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            Assert.Matches($"^error: {System.Text.RegularExpressions.Regex.Escape(path)}: [^\n]+\n$", stderr);
        }
    }

    [Theory]
    [InlineData("shape_overflow_zero.dat", "tensor 'a' has shape [4611686018427387904, 4611686018427387904, 0], whose size in bytes overflows 64-bit arithmetic")]
    [InlineData("sum_overflow.pt", "its tensors' sizes add up to more than 9223372036854775807 bytes")]
    [InlineData("zip64_locator_max.pt", "zip size or offset 18446744073709551615 is out of range")]
    public void Inspect_plan_and_apply_refuse_an_overflowing_size_with_the_same_line(string file, string problem)
    {
        string path = Fixture.Bad(file);
        string expected = $"error: {path}: {problem}\n";
        StringWriter inspect = new();
        Assert.Equal(2, CommandErrors.Run(() => InspectCommand.Run(path, "table", false, null, TextWriter.Null), inspect));
        Assert.Equal(expected, inspect.ToString());
        StringWriter plan = new();
        Assert.Equal(2, CommandErrors.Run(() => PlanCommand.Run(path, "LeNet5", null, null, "table", TextWriter.Null, plan), plan));
        Assert.Equal(expected, plan.ToString());
        string output = Path.Combine(Fixture.TempFolder(), "out.safetensors");
        StringWriter apply = new();
        Assert.Equal(2, CommandErrors.Run(() => ApplyCommand.Run(path, "LeNet5", null, null, output, TextWriter.Null), apply));
        Assert.Equal(expected, apply.ToString());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Converting_a_pt_with_a_tensor_named_metadata_to_safetensors_exits_2_and_writes_nothing()
    {
        string folder = Fixture.TempFolder();
        string output = Path.Combine(folder, "out.safetensors");
        StringWriter errors = new();
        Assert.Equal(2, CommandErrors.Run(() => ConvertCommand.Run(Fixture.Bad("metadata_name.pt"), output, null, TextWriter.Null), errors));
        Assert.Equal($"error: {output}: safetensors reserves the name '__metadata__' for the header's metadata, so a tensor of that name cannot be written; rename it or choose another output format\n", errors.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }
}
