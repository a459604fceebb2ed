using Transfer.Cli.Commands;

namespace Transfer.Tests.Formats;

/// <summary>The inspect and convert verbs: their output, their exit codes and their one-line errors.</summary>
public sealed class CliFormatsTests
{
    [Fact]
    public void Inspect_json_lists_each_tensor_with_its_hash()
    {
        string path = Fixture.Path_("views.pt");
        StringWriter output = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(path, "json", hash: true, key: null, output)));
        string expected = "{\n  \"file\": \"" + path + "\",\n  \"format\": \"pytorch\",\n  \"container\": \"state dict\",\n  \"classes\": [],\n  \"tensors\": [\n" + string.Join(",\n",
            Fixture.Expected("views.pt").Select(e =>
                "    {\n      \"name\": \"" + e.Name + "\",\n      \"dtype\": \"" + e.DType + "\",\n      \"shape\": [" +
                (e.Shape.Length == 0 ? "]" : "\n" + string.Join(",\n", e.Shape.Select(s => "        " + s)) + "\n      ]") +
                ",\n      \"sha256\": \"" + e.Sha256 + "\"\n    }")) + "\n  ]\n}\n";
        Assert.Equal(expected, output.ToString());
    }

    [Fact]
    public void Inspect_table_shows_the_state_dict_key_metadata_and_aligned_columns()
    {
        string path = Fixture.Path_("checkpoint.pt");
        StringWriter output = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(path, "table", hash: false, key: null, output)));
        string[] lines = output.ToString().Split('\n');
        Assert.Equal($"file: {path}", lines[0]);
        Assert.Equal("format: pytorch (state dict)", lines[1]);
        Assert.Equal("state dict: model_state_dict", lines[2]);
        Assert.Equal("metadata: epoch = 7", lines[3]);
        Assert.Equal("metadata: loss = 0.1", lines[4]);
        Assert.Equal("name           dtype    shape", lines[7]);
        Assert.Equal("conv.0.weight  float32  [6, 1, 5, 5]", lines[8]);
        Assert.Equal("10 tensors, 61706 elements", lines[^2]);
    }

    [Fact]
    public void Inspect_of_a_hostile_file_exits_2_with_one_line_naming_the_file()
    {
        string path = Fixture.Bad("os_system.pt");
        StringWriter output = new();
        StringWriter errors = new();
        Assert.Equal(2, CommandErrors.Run(() => InspectCommand.Run(path, "json", false, null, output), errors));
        Assert.Equal($"error: {path}: data.pkl: global 'posix.system' at offset 2 is not allowed (only the globals a state dict needs are)\n", errors.ToString());
        Assert.Equal("", output.ToString());
    }

    [Theory]
    [InlineData("dtypes.pt")]
    [InlineData("legacy_dtypes.pt")]
    public void Convert_pt_to_safetensors_to_dat_to_pt_keeps_every_byte(string start)
    {
        string folder = Fixture.TempFolder();
        string[] chain = ["a.safetensors", "b.dat", "c.pt"];
        string input = Fixture.Path_(start);
        foreach (string next in chain)
        {
            string output = Path.Combine(folder, next);
            StringWriter stdout = new();
            Assert.Equal(0, CommandErrors.Run(() => ConvertCommand.Run(input, output, null, stdout)));
            input = output;
        }

        StringWriter json = new();
        InspectCommand.Run(input, "json", true, null, json);
        foreach (ExpectedTensor e in Fixture.Expected("dtypes.pt"))
        {
            Assert.Contains($"\"sha256\": \"{e.Sha256}\"", json.ToString());
        }
    }

    [Fact]
    public void Convert_of_a_hostile_file_exits_2_and_writes_nothing()
    {
        string folder = Fixture.TempFolder();
        string output = Path.Combine(folder, "out.safetensors");
        StringWriter errors = new();
        string path = Fixture.Bad("deep_marks.pt");
        Assert.Equal(2, CommandErrors.Run(() => ConvertCommand.Run(path, output, null, TextWriter.Null), errors));
        Assert.Equal($"error: {path}: data.pkl: stack exceeds 10000 entries at offset 10002 (hostile nesting)\n", errors.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }
}
