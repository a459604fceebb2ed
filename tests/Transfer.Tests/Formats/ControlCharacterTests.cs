using Transfer.Cli.Commands;
using Transfer.Formats;

namespace Transfer.Tests.Formats;

/// <summary>
/// Names from a file that hold newlines or ANSI escapes reach the user escaped, in one line, and bounded in
/// length (fixtures: make_integrity_fixtures.py).
/// </summary>
public sealed class ControlCharacterTests
{
    private const string Refusal = "safetensors entry '\\x1b[31mred\\nline2' has dtype 'F128', which Transfer does not read";

    [Fact]
    public void A_refusal_quoting_a_name_with_a_newline_and_an_ansi_escape_shows_them_escaped()
    {
        string path = Fixture.Bad("control_name_bad_dtype.safetensors");
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(path).Dispose());
        Assert.Equal(Refusal, e.Problem);
        Assert.Equal($"{path}: {Refusal}", e.Message);
    }

    [Fact]
    public void The_cli_prints_that_refusal_as_one_escaped_line()
    {
        string path = Fixture.Bad("control_name_bad_dtype.safetensors");
        (int code, string stdout, string stderr) = Cli.CliProcess.Run("inspect", path);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"error: {path}: {Refusal}\n", stderr);
    }

    [Fact]
    public void A_refusal_quoting_a_100000_character_name_keeps_its_start_and_end_in_1000_characters()
    {
        string path = Fixture.Bad("long_name_bad_dtype.safetensors");
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(path).Dispose());
        const string end = "' has dtype 'F128', which Transfer does not read";
        Assert.Equal(1000, e.Problem.Length);
        Assert.Equal("safetensors entry '" + new string('a', 480) + "…" + new string('b', 500 - end.Length) + end, e.Problem);
        StringWriter errors = new();
        Assert.Equal(2, CommandErrors.Run(() => InspectCommand.Run(path, "table", false, null, TextWriter.Null), errors));
        Assert.Equal($"error: {path}: {e.Problem}\n", errors.ToString());
    }

    [Fact]
    public void Inspect_lists_names_with_control_characters_escaped_in_the_table_and_exact_in_json()
    {
        string path = Fixture.Bad("control_names.safetensors");
        StringWriter table = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(path, "table", false, null, table)));
        string[] lines = table.ToString().Split('\n');
        Assert.Equal("name         dtype    shape", lines[3]);
        Assert.Equal("evil\\nname   float32  [1]", lines[4]);
        Assert.Equal("\\x1b[31mred  float32  [1]", lines[5]);
        Assert.DoesNotContain(table.ToString(), c => char.IsControl(c) && c != '\n');
        StringWriter json = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(path, "json", false, null, json)));
        Assert.Contains("\"name\": \"evil\\nname\"", json.ToString());
        Assert.Contains("\"name\": \"\\u001B[31mred\"", json.ToString());
    }
}
