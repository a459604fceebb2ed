using Transfer.Cli.Commands;
using Transfer.Tests.Formats;

namespace Transfer.Tests.Cli;

/// <summary>
/// A valid 1 MB safetensors with 10,000 tensors and one 400,007-character name (make_integrity_fixtures.py):
/// inspect, plan and apply print tables whose rows are capped, not padded to that name, while JSON keeps it.
/// </summary>
public sealed class WideNameCliTests
{
    private static readonly string Path = Fixture.Bad("long_name_many_tensors.safetensors");
    private static readonly string Long = new string('x', 400_000) + ".weight";
    private static readonly string Short = new string('x', 47) + "…" + new string('x', 41) + ".weight";

    [Fact]
    public void Inspect_table_caps_the_long_name_and_stays_the_size_of_its_rows()
    {
        StringWriter output = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(Path, "table", false, null, output)));
        string[] lines = output.ToString().Split('\n');
        Assert.Equal($"{"name",-96}  dtype    shape", lines[3]);
        Assert.Equal($"{"layer.0.weight",-96}  float32  [1]", lines[4]);
        Assert.Equal($"{Short}  float32  [1]", lines[^4]);
        Assert.Equal("10001 tensors, 10001 elements", lines[^2]);
        Assert.All(lines[1..], line => Assert.True(line.Length <= 96 + 2 + 7 + 2 + 5)); // after the "file:" line
    }

    [Fact]
    public void Inspect_json_keeps_the_whole_name()
    {
        StringWriter output = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(Path, "json", false, null, output)));
        Assert.Contains($"\"name\": \"{Long}\"", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("table", 8 + 98 + 98 + 6 + 8 + 6 + 8)]
    [InlineData("md", 2 * 101 + 100)]
    public void Plan_reports_cap_every_row(string format, int widest)
    {
        StringWriter stdout = new();
        Assert.Equal(0, CommandErrors.Run(() => PlanCommand.Run(Path, Path, null, null, format, stdout, TextWriter.Null)));
        string[] lines = stdout.ToString().Split('\n');
        Assert.Contains(lines, line => line.Contains(Short, StringComparison.Ordinal));
        Assert.All(lines[1..], line => Assert.True(line.Length <= widest, $"{line.Length} characters")); // after the title with both paths
    }

    [Fact]
    public void Apply_prints_the_capped_table_and_writes_every_tensor()
    {
        string output = System.IO.Path.Combine(Fixture.TempFolder(), "out.safetensors");
        StringWriter stdout = new();
        Assert.Equal(0, CommandErrors.Run(() => ApplyCommand.Run(Path, Path, null, null, output, stdout)));
        string[] lines = stdout.ToString().Split('\n');
        Assert.Contains($"loaded  {Short}  {Short}  name", lines);
        Assert.All(lines[1..^2], line => Assert.True(line.Length <= 8 + 98 + 98 + 6 + 8 + 6 + 8)); // STATUS, 2 capped names, RULE, REASON, INIT, DETAIL
        using Transfer.Formats.Checkpoint written = Transfer.Formats.CheckpointReader.Open(output);
        Assert.Equal(10001, written.Tensors.Count);
        Assert.Equal(Long, written.Tensors[^1].Spec.Name);
    }
}
