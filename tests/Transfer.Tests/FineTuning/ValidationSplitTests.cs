using System.Text.Json;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Rules.Errors;

namespace Transfer.Tests.FineTuning;

/// <summary>
/// Fashion-MNIST (idx) runs pick <c>best</c> on a seeded validation split of the training set and measure the
/// test set once at the end; reports say which set every number comes from.
/// </summary>
[Collection(nameof(InProcessTrainingCollection))]
public sealed class ValidationSplitTests : IDisposable
{
    private static readonly string Fashion = Path.Combine(RepoPaths.Root, "configs", "lenet5-to-lenet6.yaml");
    private readonly string _out = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_out, true);

    private static string Yaml(string data) => $$"""
        source: { path: a.pt }
        target: { model: LeNet6 }
        data: {{data}}
        """;

    private static string Yaml(string data, string validation) => Yaml(data) + $"\nvalidation: {validation}\n";

    [Fact]
    public void Validation_split_holds_out_a_tenth_by_default_for_idx_data_and_image_folders_alike()
    {
        Assert.Equal(0.1, RunConfigReader.Parse(Yaml("{ kind: idx }"), "run.yaml", "/base").Data.ValSplit);
        Assert.Equal(0.25, RunConfigReader.Parse(Yaml("{ kind: idx }", "{ split: 0.25 }"), "run.yaml", "/base").Data.ValSplit);
        DataConfig folder = RunConfigReader.Parse(Yaml("{ kind: imagefolder, path: d }"), "run.yaml", "/base").Data;
        Assert.Equal((0.1, false), (folder.ValSplit, folder.ValSplitGiven));
        DataConfig given = RunConfigReader.Parse(Yaml("{ kind: imagefolder, path: d }", "{ split: 0.2 }"), "run.yaml", "/base").Data;
        Assert.Equal((0.2, true), (given.ValSplit, given.ValSplitGiven));
    }

    [Theory]
    [InlineData("{ split: 1 }", "run.yaml:4:22: 'validation.split' must be a fraction below 1, got '1'")]
    [InlineData("{ split: -0.1 }", "run.yaml:4:22: 'validation.split' must be a number >= 0, got '-0.1'")]
    [InlineData("{ spilt: 0.1 }", "run.yaml:4:15: unknown key 'spilt' in 'validation'; did you mean 'split'? (valid keys: split)")]
    public void A_bad_validation_split_is_one_positioned_line(string validation, string message)
    {
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => RunConfigReader.Parse(Yaml("{ kind: idx }", validation), "run.yaml", "/base"));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("{ kind: idx, val_split: 0.1 }")]
    [InlineData("{ kind: imagefolder, path: d, val_split: 0.1 }")]
    public void The_old_data_val_split_key_points_to_validation_split(string data)
    {
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => RunConfigReader.Parse(Yaml(data), "run.yaml", "/base"));
        Assert.Equal(
            $"run.yaml:3:{data.IndexOf("val_split", StringComparison.Ordinal) + 7}: 'data.val_split' is now 'validation.split' (a top-level section: validation: {{ split: 0.1 }})",
            e.Message);
    }

    [Fact]
    public void Best_is_chosen_on_the_validation_split_and_the_test_set_is_measured_once_with_the_best_weights()
    {
        RunConfig config = RunConfigReader.Load(Fashion, ["data.path=../examples/LeNet5to6/data", "finetune.epochs=2", "data.train_limit=400"]);
        FineTuneRunResult run = FineTuneRun.Execute(config, new FineTuneOptions { OutDir = _out });

        TestEvaluation test = Assert.IsType<TestEvaluation>(run.Test);
        Assert.Equal((500L, run.Training.BestEpoch), (test.Examples, test.Epoch));
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "report.json")));
        JsonElement data = report.RootElement.GetProperty("data");
        Assert.Equal("idx training set minus the validation split (400 examples)", data.GetProperty("train").GetString());
        Assert.Equal("validation.split 0.1 of the idx training set, drawn with seed 0 (200 examples)", data.GetProperty("validation").GetString());
        Assert.Equal("idx test set (500 examples)", data.GetProperty("test").GetString());

        JsonElement results = report.RootElement.GetProperty("results");
        JsonElement best = results.GetProperty("best");
        EpochMetrics bestEpoch = run.Training.History.Single(m => m.Epoch == run.Training.BestEpoch);
        Assert.Equal(
            (run.Training.BestEpoch, "val_acc", "validation", bestEpoch.ValAcc),
            (best.GetProperty("epoch").GetInt32(), best.GetProperty("chosen_by").GetString(), best.GetProperty("set").GetString(), best.GetProperty("val_acc").GetDouble()));
        Assert.Equal(run.Training.History.Max(m => m.ValAcc), bestEpoch.ValAcc);
        JsonElement testJson = results.GetProperty("test");
        Assert.Equal(
            ("test", test.Accuracy, 500L, "best.safetensors"),
            (testJson.GetProperty("set").GetString(), testJson.GetProperty("accuracy").GetDouble(), testJson.GetProperty("examples").GetInt64(), testJson.GetProperty("weights").GetString()));
        Assert.Equal("validation", results.GetProperty("last").GetProperty("set").GetString());
    }

    [Fact]
    public void The_split_is_a_function_of_the_seed()
    {
        string[] common = ["data.path=../examples/LeNet5to6/data", "finetune.epochs=1", "data.train_limit=64", "finetune.unfreeze=[]"];
        double Validation(long seed, string dir)
        {
            RunConfig config = RunConfigReader.Load(Fashion, [.. common, $"seed={seed}"]);
            return FineTuneRun.Execute(config, new FineTuneOptions { OutDir = Path.Combine(_out, dir) }).Training.History[0].ValLoss;
        }

        double a = Validation(1, "a");
        Assert.Equal(a, Validation(1, "b"));
        Assert.NotEqual(a, Validation(2, "c"));
    }
}
