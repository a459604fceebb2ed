using System.Text.Json;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Formats;
using Transfer.Rules.Errors;

namespace Transfer.Tests.FineTuning;

[Collection(nameof(InProcessTrainingCollection))]
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
        Assert.Equal("finetune.freeze", freeze.GetProperty("source").GetString());
        Assert.Equal((4, 8, 2572L), (freeze.GetProperty("frozen").GetInt32(), freeze.GetProperty("trainable").GetInt32(), freeze.GetProperty("frozenElements").GetInt64()));
        Assert.Contains("## Freezing", File.ReadAllText(Path.Combine(_out, "report.md")));
        JsonElement training = report.RootElement.GetProperty("training");
        Assert.Equal(("cpu", 1), (training.GetProperty("device").GetString(), training.GetProperty("threads").GetInt32()));
        Assert.Equal(
            ("fp32", "cross_entropy", 1, JsonValueKind.Null, JsonValueKind.Null),
            (training.GetProperty("precision").GetString(), training.GetProperty("loss").GetString(), training.GetProperty("accumulate").GetInt32(),
                training.GetProperty("grad_clip").ValueKind, training.GetProperty("ema").ValueKind));

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

    [Fact]
    public void The_resolved_config_is_written_as_config_yaml_and_reads_back_as_the_same_config()
    {
        string file = Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml");
        RunConfig config = RunConfigReader.Load(file, ["finetune.epochs=1", "finetune.threads=1", "finetune.unfreeze=[]"]);
        FineTuneRun.Execute(config, new FineTuneOptions { OutDir = _out });

        string written = File.ReadAllText(Path.Combine(_out, "config.yaml"));
        RunConfig again = RunConfigReader.Load(Path.Combine(_out, "config.yaml"));
        Assert.Equal(written, ResolvedConfig.Yaml(again));
        Assert.Empty(ResolvedConfig.Differences(written, config));
        Assert.Contains("  epochs: 1\n", written);
        Assert.Contains($"  path: '{Path.Combine(RepoPaths.Root, "configs", "data", "shapes")}'\n", written);
    }

    [Fact]
    public void Resume_refuses_a_changed_config_listing_the_keys_unless_forced_and_leaves_the_folder_untouched()
    {
        string file = Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml");
        FineTuneRun.Execute(RunConfigReader.Load(file, ["finetune.epochs=1", "finetune.unfreeze=[]"]), new FineTuneOptions { OutDir = _out });
        Dictionary<string, byte[]> before = Directory.GetFiles(_out, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        RunConfig changed = RunConfigReader.Load(file, ["finetune.epochs=2", "finetune.optimizer.lr=0.01", "finetune.unfreeze=[]"]);
        RuleConfigException e = Assert.Throws<RuleConfigException>(() =>
            FineTuneRun.Execute(changed, new FineTuneOptions { OutDir = _out, Resume = true }));
        Assert.Equal(
            $"--resume: the config differs from {Path.Combine(_out, "config.yaml")} in finetune.epochs (1 → 2), finetune.optimizer.lr (0.05 → 0.01); pass --resume --force to continue with the new config anyway",
            e.Message);
        Assert.Equal(before, Directory.GetFiles(_out, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes));

        FineTuneRunResult forced = FineTuneRun.Execute(changed, new FineTuneOptions { OutDir = _out, Resume = true, Force = true });
        Assert.Equal((1, 2), (forced.Training.ResumedFrom, forced.Training.History.Count));
        Assert.Empty(ResolvedConfig.Differences(File.ReadAllText(Path.Combine(_out, "config.yaml")), changed));
    }

}
