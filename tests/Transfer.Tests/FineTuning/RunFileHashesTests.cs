using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;

namespace Transfer.Tests.FineTuning;

[Collection(nameof(InProcessTrainingCollection))]
public sealed class RunFileHashesTests : IDisposable
{
    private readonly string _out = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_out, true);

    private static string Sha(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

    [Fact]
    public void Report_json_lists_every_final_output_and_every_input_with_the_sha256_and_size_of_the_file_on_disk()
    {
        string file = Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml");
        FineTuneRun.Execute(RunConfigReader.Load(file, ["finetune.epochs=1", "finetune.unfreeze=[]"]), new FineTuneOptions { OutDir = _out });

        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "report.json")));
        JsonElement files = report.RootElement.GetProperty("files");
        List<(string, string, long)> outputs = files.GetProperty("outputs").EnumerateArray()
            .Select(o => (o.GetProperty("path").GetString()!, o.GetProperty("sha256").GetString()!, o.GetProperty("size").GetInt64()))
            .ToList();
        string[] names = ["config.yaml", "classes.json", "transferred.safetensors", "best.safetensors", "final.safetensors", "metrics.csv", "curves.png", "report.md"];
        Assert.Equal(names.Select(n => (n, Sha(Path.Combine(_out, n)), new FileInfo(Path.Combine(_out, n)).Length)).ToList(), outputs);

        JsonElement inputs = files.GetProperty("inputs");
        string source = Path.Combine(RepoPaths.Root, "examples", "LeNet5to6", "lenet5.pt");
        Assert.Equal(Sha(source), inputs.GetProperty("source").GetProperty("sha256").GetString());
        Assert.Equal(new FileInfo(source).Length, inputs.GetProperty("source").GetProperty("size").GetInt64());
        Assert.Equal(Path.GetFullPath(source), inputs.GetProperty("source").GetProperty("path").GetString());
        Assert.Equal(Sha(file), inputs.GetProperty("config").GetProperty("sha256").GetString());

        // The image folder's digest is the SHA-256 of the sha256sum listing of train/ and val/, sorted by path.
        string shapes = Path.Combine(RepoPaths.Root, "configs", "data", "shapes");
        string[] all = Directory.GetFiles(shapes, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(shapes, f).Replace('\\', '/'))
            .Where(f => f.StartsWith("train/", StringComparison.Ordinal) || f.StartsWith("val/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        string listing = string.Concat(all.Select(f => $"{Sha(Path.Combine(shapes, f))}  {f}\n"));
        JsonElement data = inputs.GetProperty("data");
        Assert.Equal("imagefolder", data.GetProperty("kind").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(listing))), data.GetProperty("sha256").GetString());
        Assert.Equal(all.Length, data.GetProperty("files").GetInt32());
        Assert.Equal(all.Sum(f => new FileInfo(Path.Combine(shapes, f)).Length), data.GetProperty("size").GetInt64());
        Assert.True(all.Length > 10);
    }

    [Fact]
    public void Idx_data_is_recorded_file_by_file()
    {
        string subset = Path.Combine(RepoPaths.Root, "examples", "LeNet5to6", "data");
        string file = Path.Combine(RepoPaths.Root, "configs", "lenet5-to-lenet6.yaml");
        RunConfig config = RunConfigReader.Load(file, ["finetune.epochs=1", $"data.path={subset}", "data.train_limit=64", "data.val_limit=32"]);
        FineTuneRun.Execute(config, new FineTuneOptions { OutDir = _out });

        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "report.json")));
        JsonElement data = report.RootElement.GetProperty("files").GetProperty("inputs").GetProperty("data");
        Assert.Equal(("idx", subset), (data.GetProperty("kind").GetString(), data.GetProperty("path").GetString()));
        Assert.Equal(
            Transfer.Data.Idx.FashionMnist.FileNames.Select(n => (n, Sha(Path.Combine(subset, n)))).ToList(),
            data.GetProperty("files").EnumerateArray().Select(f => (f.GetProperty("path").GetString()!, f.GetProperty("sha256").GetString()!)).ToList());
    }
}
