using System.Security.Cryptography;
using TorchSharp;
using Transfer.Data;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;

namespace Transfer.Tests.FineTuning;

/// <summary>
/// A run checks everything first: every problem is listed at once, before any file is written or any data
/// loaded, and a refused run leaves an existing out folder byte-for-byte as it was.
/// </summary>
[Collection(nameof(InProcessTrainingCollection))]
public sealed class RunValidatorTests : IDisposable
{
    private static readonly string ExampleConfig = Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml");
    private static readonly string[] LeNet6Parameters =
    [
        "conv.0.weight", "conv.0.bias", "conv.3.weight", "conv.3.bias", "fc.1.weight", "fc.1.bias",
        "fc.3.weight", "fc.3.bias", "fc.5.weight", "fc.5.bias", "fc.7.weight", "fc.7.bias",
    ];

    private readonly string _out = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_out, true);

    private static RunConfig Example(params string[] overrides) => RunConfigReader.Load(ExampleConfig, overrides);

    /// <summary>Every file and folder under <paramref name="folder"/> with the SHA-256 of each file's bytes.</summary>
    private static List<string> Snapshot(string folder) =>
    [
        .. Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(p => Path.GetRelativePath(folder, p) + (File.Exists(p) ? " " + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))) : "/")),
    ];

    [Fact]
    public void Every_problem_of_a_run_is_listed_at_once_before_anything_is_written()
    {
        string outDir = Path.Combine(_out, "new");
        RunConfig config = Example(
            "source.path=missing.pt", "data.path=nowhere", "finetune.freeze=[convs.*]",
            "finetune.unfreeze=[{epoch: 9, match: 'conv.3.*'}]", "finetune.param_groups=[{match: 'fc.9.*', lr: 0.1}]");

        var e = Assert.Throws<RuleConfigException>(() => FineTuneRun.Execute(config, new FineTuneOptions { OutDir = outDir }));

        string configs = Path.Combine(RepoPaths.Root, "configs");
        Assert.Equal(
            $"6 problems: source.path: {Path.Combine(configs, "missing.pt")}: the file does not exist; data.path: {Path.Combine(configs, "nowhere")} does not exist; " +
            "finetune.freeze: 'convs.*' matches no parameter of the model; did you mean 'conv.*'?; " +
            "finetune.unfreeze: 'conv.3.*' matches no frozen parameter; " +
            "finetune.unfreeze: 'conv.3.*' unfreezes at epoch 9, after the last epoch (4); " +
            "finetune.param_groups: 'fc.9.*' matches no trainable parameter (parameter names start with 'conv.', 'fc.')",
            e.Message);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Cuda_without_cuda_is_one_problem_found_before_the_model_is_built_or_data_loaded()
    {
        if (torch.cuda.is_available())
        {
            return; // these facts are about machines without CUDA, such as CI
        }

        var e = Assert.Throws<RuleConfigException>(() =>
            FineTuneRun.Execute(Example("finetune.device=cuda"), new FineTuneOptions { OutDir = _out }));
        Assert.Equal(
            "finetune.device: 'cuda' needs CUDA, which this machine does not have (or this build uses TorchSharp's CPU package); use 'cpu' or 'auto'",
            e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_out));
    }

    [Theory]
    [InlineData("gpu", null)]
    [InlineData("cpu", "")]
    [InlineData("auto", "")]
    [InlineData("cpx", "finetune.device: 'cpx' is not a device (auto, cpu, cuda, cuda:N); did you mean 'cpu'?")]
    public void Device_names_are_checked(string device, string? expected)
    {
        if (torch.cuda.is_available())
        {
            return; // these facts are about machines without CUDA, such as CI
        }

        string found = string.Join("; ", RunValidator.Device(device));
        if (expected is null)
        {
            Assert.StartsWith($"finetune.device: '{device}' needs CUDA", found);
        }
        else
        {
            Assert.Equal(expected, found);
        }
    }

    [Fact]
    public void A_run_refused_for_an_existing_checkpoint_leaves_the_out_folder_byte_for_byte_untouched()
    {
        FineTuneRun.Execute(Example("finetune.epochs=1", "finetune.unfreeze=[]"), new FineTuneOptions { OutDir = _out });
        List<string> before = Snapshot(_out);
        Assert.Contains(before, p => p.StartsWith("report.json ", StringComparison.Ordinal));

        var e = Assert.Throws<RuleConfigException>(() =>
            FineTuneRun.Execute(Example("finetune.epochs=2", "finetune.unfreeze=[]", "seed=3"), new FineTuneOptions { OutDir = _out }));

        Assert.Equal($"--out: {_out} already holds a checkpoint of a run (epoch 1); pass --resume to continue it, or choose another --out", e.Message);
        Assert.Equal(before, Snapshot(_out));
    }

    [Fact]
    public void A_run_whose_plan_breaks_its_rules_writes_nothing_into_an_existing_folder()
    {
        File.WriteAllText(Path.Combine(_out, "notes.txt"), "mine");
        List<string> before = Snapshot(_out);

        Assert.Throws<TransferPlanException>(() =>
            FineTuneRun.Execute(Example("rules.shape_mismatch=error"), new FineTuneOptions { OutDir = _out }));

        Assert.Equal(before, Snapshot(_out));
    }

    [Fact]
    public void Resume_on_a_folder_without_a_checkpoint_is_refused()
    {
        var e = Assert.Throws<RuleConfigException>(() =>
            FineTuneRun.Execute(Example(), new FineTuneOptions { OutDir = _out, Resume = true }));
        Assert.Equal($"--resume: {_out} holds no checkpoint to resume from; run without --resume to start afresh", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_out));
    }

    [Fact]
    public void Model_checks_are_pure_and_name_the_closest_parameter()
    {
        FineTuneConfig config = new()
        {
            Epochs = 2,
            Freeze = ["conv.*", "fc.1.*", "fc.3.*", "fc.5.*", "fc.7.*"],
            Unfreeze = [new UnfreezeConfig(3, "fc.7.*", 0.1)],
        };

        Assert.Equal(
            [
                "finetune.unfreeze: 'fc.7.*' unfreezes at epoch 3, after the last epoch (2)",
                "finetune.freeze: every parameter is frozen, so there is nothing to train",
            ],
            RunValidator.Model(LeNet6Parameters, config).Select(p => p.ToString()));
        Assert.Equal(
            ["finetune.freeze: 'fcc.*' matches no parameter of the model; did you mean 'fc.*'?"],
            RunValidator.Model(LeNet6Parameters, new FineTuneConfig { Freeze = ["fcc.*"] }).Select(p => p.ToString()));
    }

    [Fact]
    public void A_head_narrower_than_the_classes_is_one_sentence_not_a_native_out_of_bounds()
    {
        using var model = TinyRun.Model();
        using LabeledTensors train = TinyRun.Data(32, 1);
        using LabeledTensors six = new(train.Images.clone(), train.Labels + 2, 6);

        var e = Assert.Throws<RuleConfigException>(() => FineTuner.Train(
            model, six, six, new FineTuneConfig { Device = "cpu", Epochs = 1 }, 1, new FineTuneOptions { OutDir = _out }));

        Assert.Equal("target: Sequential's head has 4 outputs but the data has 6 classes; give the model 6 classes (e.g. target.classes: 6)", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_out));
    }

    [Fact]
    public void Images_the_model_cannot_take_are_one_sentence_naming_their_shape()
    {
        using var model = TinyRun.Model();
        using LabeledTensors rgb = new(torch.rand(8, 3, 8, 8), torch.zeros(8, dtype: torch.int64), 4);

        var e = Assert.Throws<RuleConfigException>(() => FineTuner.Train(
            model, rgb, rgb, new FineTuneConfig { Device = "cpu", Epochs = 1 }, 1, new FineTuneOptions { OutDir = _out }));

        Assert.StartsWith("data: Sequential cannot take images of [3, 8, 8] (channels, height, width): ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
