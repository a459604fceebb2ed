using System.Text.Json;
using Transfer.Tests.Cli;

namespace Transfer.Tests.Formats;

/// <summary>
/// Issue 12's "done when", in one test: <c>transfer inspect --format json --hash</c> on LeNet5's
/// <c>torch.save(model)</c> file, its scripted and traced TorchScript archives and a NumPy <c>.pkl</c> of its
/// arrays lists the names, dtypes, shapes and hashes PyTorch lists for <c>model.state_dict()</c>
/// (modules/manifest.json, written by make_module_fixtures.py after <c>torch.load</c> of the module pickle).
/// </summary>
public sealed class InspectDoneWhenTests
{
    [Fact]
    public void Module_pickle_scripted_traced_and_NumPy_files_list_what_PyTorch_lists_for_the_state_dict()
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixture.Folder, "modules", "manifest.json")));
        string[] expected = [.. manifest.RootElement.GetProperty("lenet5_module.pt").GetProperty("tensors").EnumerateArray().Select(Line)];
        Assert.Equal(10, expected.Length);

        foreach (string file in (string[])["modules/lenet5_module.pt", "modules/lenet5_scripted.pt", "modules/lenet5_traced.pt", "numpy/lenet5_p3_detectron2.pkl"])
        {
            (int code, string stdout, string stderr) = CliProcess.Run("inspect", Fixture.Path_(file), "--format", "json", "--hash");
            Assert.Equal((0, string.Empty), (code, stderr));
            using JsonDocument listed = JsonDocument.Parse(stdout);
            Assert.Equal(expected, listed.RootElement.GetProperty("tensors").EnumerateArray().Select(Line));
        }
    }

    private static string Line(JsonElement t) =>
        $"{t.GetProperty("name").GetString()} {t.GetProperty("dtype").GetString()} [{string.Join(", ", t.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()))}] {t.GetProperty("sha256").GetString()}";
}
