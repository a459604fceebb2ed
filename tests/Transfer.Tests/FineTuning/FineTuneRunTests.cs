using System.Text.Json;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Formats;

namespace Transfer.Tests.FineTuning;

public sealed class FineTuneRunTests : IDisposable
{
    private readonly string _out = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_out, true);

    private static Dictionary<string, byte[]> Read(string path)
    {
        using Checkpoint c = CheckpointReader.Open(path);
        return c.Tensors.ToDictionary(t => t.Spec.Name, t =>
        {
            using var tensor = t.Load();
            return tensor.bytes.ToArray();
        });
    }

    [Fact]
    public void The_imagefolder_example_transfers_lenet5_into_lenet6_reports_it_and_trains_only_unfrozen_tensors()
    {
        RunConfig config = RunConfigReader.Load(
            Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml"), ["finetune.epochs=2", "finetune.unfreeze=[]"]);
        FineTuneRunResult result = FineTuneRun.Execute(config, new FineTuneOptions { OutDir = _out });

        Assert.Equal((8, 2, 2), (result.Plan.Summary.Loaded, result.Plan.Summary.Skipped, result.Plan.Summary.Missing));
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "report.json")));
        JsonElement summary = report.RootElement.GetProperty("summary");
        Assert.Equal((8, 2, 2), (summary.GetProperty("loaded").GetInt32(), summary.GetProperty("skipped").GetInt32(), summary.GetProperty("missing").GetInt32()));
        JsonElement freeze = report.RootElement.GetProperty("freeze");
        Assert.Equal((4, 8, 2572L), (freeze.GetProperty("frozen").GetInt32(), freeze.GetProperty("trainable").GetInt32(), freeze.GetProperty("frozenElements").GetInt64()));
        Assert.Contains("## Freezing", File.ReadAllText(Path.Combine(_out, "report.md")));
        JsonElement training = report.RootElement.GetProperty("training");
        Assert.Equal(("cpu", 1), (training.GetProperty("device").GetString(), training.GetProperty("threads").GetInt32()));

        Dictionary<string, byte[]> transferred = Read(Path.Combine(_out, "transferred.safetensors"));
        Dictionary<string, byte[]> final = Read(Path.Combine(_out, "final.safetensors"));
        Dictionary<string, byte[]> source = Read(Path.Combine(RepoPaths.Root, "examples", "LeNet5to6", "lenet5.pt"));
        Assert.Equal(12, transferred.Count);
        foreach (string key in transferred.Keys)
        {
            bool same = transferred[key].AsSpan().SequenceEqual(final[key]);
            Assert.True(key.StartsWith("conv.", StringComparison.Ordinal) ? same : !same, $"{key}: equal={same}");
        }

        foreach (string key in new[] { "conv.0.weight", "conv.3.bias", "fc.1.weight", "fc.3.bias" })
        {
            Assert.Equal(source[key], transferred[key]);
        }
    }
}
