using System.Text.RegularExpressions;
using TorchSharp;
using Transfer.Applying;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using Transfer.Formats;
using Transfer.Freezing;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;
using Transfer.Rules.Reports;
using Transfer.Tests.Formats;

namespace Transfer.Tests;

/// <summary>README's library samples: the same lines, compiled here and run (the first on a LeNet5 checkpoint PyTorch wrote).</summary>
/// <remarks>The samples use relative paths, so these tests change the current folder and run alone.</remarks>
[Collection(nameof(CurrentFolderCollection))]
public sealed partial class ReadmeSampleTests
{
    [Fact]
    public void The_readme_one_call_sample_is_this_code_and_it_loads_8_tensors()
    {
        string folder = Fixture.TempFolder();
        File.Copy(Fixture.Path_("module_prefixed.pt"), Path.Combine(folder, "lenet5.pt"));
        (LoadReport report, string console) = RunIn(folder, OneCallSample);

        Assert.Equal(new PlanSummary(8, 0, 2, 2, 0, 60856, 66946), report.Plan.Summary);
        Assert.Equal(new ApplyReport(8, 0, 60856, 0), report.Applied);
        Assert.StartsWith("Transfer plan: lenet5.pt -> LeNet6\nloaded 8, partial 0, skipped 2, missing 2, unused 0\n", console);
        Assert.EndsWith("\n8 loaded\n", console);
        Assert.Equal(SampleLines(File.ReadAllText(ThisFile()), 0), ReadmeLines(0));
    }

    [Fact]
    public void The_one_call_load_puts_the_checkpoint_values_into_the_model()
    {
        using LeNet5 five = new();
        string path = Path.Combine(Fixture.TempFolder(), "five.safetensors");
        CheckpointWriter.Write(path, StateDictOrder.Entries(five));
        using LeNet5 model = new();

        LoadReport report = model.LoadWeights(path);

        Assert.Equal(10, report.Applied.Loaded);
        Assert.Equal(path, report.Plan.SourceName);
        Assert.All(five.state_dict(), kv => Assert.Equal(kv.Value.data<float>().ToArray(), model.state_dict()[kv.Key].data<float>().ToArray()));
    }

    [Fact]
    public void The_one_call_load_refuses_an_invalid_plan_and_leaves_the_model_alone()
    {
        string path = Fixture.Path_("module_prefixed.pt");
        using LeNet6 model = new();
        float[] before = model.state_dict()["conv.0.weight"].data<float>().ToArray();

        // Without strip_prefix nothing matches, and the rules require conv.*.
        TransferPlanException e = Assert.Throws<TransferPlanException>(() => model.LoadWeights(path, RuleSet.Builder().Require("conv.*").Build()));

        Assert.NotNull(e.Plan);
        Assert.Equal(0, e.Plan!.Summary.Loaded);
        Assert.Contains("fails", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.state_dict()["conv.0.weight"].data<float>().ToArray());
    }

    [Fact]
    public void The_readme_sample_is_this_code_and_it_runs()
    {
        string folder = Fixture.TempFolder();
        File.Copy(Fixture.Path_("module_prefixed.pt"), Path.Combine(folder, "lenet5.pt"));
        ((TransferPlan plan, FreezeReport frozen), string console) = RunIn(folder, Sample);

        Assert.Equal(new PlanSummary(8, 0, 2, 2, 0, 60856, 66946), plan.Summary);
        Assert.Equal(4, frozen.FrozenCount);
        Assert.StartsWith("Transfer plan: lenet5.pt -> LeNet6\nloaded 8, partial 0, skipped 2, missing 2, unused 0\n", console);
        Assert.Equal(SampleLines(File.ReadAllText(ThisFile()), 1), ReadmeLines(1));
    }

    [Fact]
    public void The_readme_run_sample_is_this_code_and_it_runs()
    {
        // The sample's relative paths resolve from the current folder: give it the repository's configs and
        // examples, and a fresh place for runs/.
        string folder = Fixture.TempFolder();
        string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", ".."));
        Directory.CreateSymbolicLink(Path.Combine(folder, "configs"), Path.Combine(root, "configs"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "examples"), Path.Combine(root, "examples"));
        (FineTuneRunResult run, string console) = RunIn(folder, RunSample);

        Assert.Equal(3, run.Training.History.Count);
        Assert.True(File.Exists(Path.Combine(folder, "runs", "shapes", "final.safetensors")));
        Assert.Matches(@"^8 loaded, val_acc 0\.\d{4}\n$", console);
        Assert.Equal(SampleLines(File.ReadAllText(ThisFile()), 2), ReadmeLines(2));
    }

    private static LoadReport OneCallSample()
    {
        // README sample begins
        using torch.nn.Module model = ModelRegistry.Create("LeNet6");             // or your own Module
        RuleSet rules = RuleSet.Builder().StripPrefix("module.").Build();         // or RuleSetYaml.Load("rules.yaml")
        LoadReport report = model.LoadWeights("lenet5.pt", rules);                // plan + validate + load, or throw
        Console.Write(PlanTableReport.Render(report.Plan));                        // what loaded, what was skipped and why
        Console.WriteLine($"{report.Applied.Loaded} loaded");
        // README sample ends
        return report;
    }

    [Fact]
    public void The_readme_check_sample_is_this_code_and_it_passes()
    {
        string folder = Fixture.TempFolder();
        using torch.nn.Module five = ModelRegistry.Create("LeNet5");
        using torch.nn.Module six = ModelRegistry.Create("LeNet6");
        TransferPlan plan = TransferPlanner.Plan(ModelSpecs.Of(five), ModelSpecs.Of(six), RuleSet.Default);
        File.WriteAllText(Path.Combine(folder, "plan.expected.json"), PlanJsonReport.Render(plan));

        RunIn(folder, () => CheckSample(plan));

        Assert.Equal(SampleLines(File.ReadAllText(ThisFile()), 2), ReadmeLines(2));
    }

    private static (TransferPlan, FreezeReport) Sample()
    {
        // README sample begins
        using Checkpoint source = CheckpointReader.Open("lenet5.pt");             // .pt/.pth, .safetensors, TorchSharp .dat
        using torch.nn.Module model = ModelRegistry.Create("LeNet6");             // or your own Module
        RuleSet rules = RuleSet.Builder().StripPrefix("module.").Build();         // or RuleSetYaml.Load("rules.yaml")

        TransferPlan plan = TransferPlanner.Plan(source.Specs, ModelSpecs.Of(model), rules, "lenet5.pt", "LeNet6");
        Console.Write(PlanTableReport.Render(plan));                               // also PlanJsonReport, PlanMarkdownReport
        plan.EnsureValid();                                                        // throws TransferPlanException listing every problem

        PlanApplier.Apply(plan, model, source);                                    // validates, then reads one tensor at a time
        FreezeReport frozen = Freezer.Apply(model, new FreezeSpec(["conv.*"]));
        // README sample ends
        return (plan, frozen);
    }

    private static FineTuneRunResult RunSample()
    {
        // README sample begins
        RunConfig config = RunConfigReader.Load("configs/imagefolder-example.yaml", ["finetune.epochs=3"]);
        FineTuneRunResult run = FineTuneRun.Execute(config, new FineTuneOptions { OutDir = "runs/shapes" });
        Console.WriteLine($"{run.Plan.Summary.Loaded} loaded, val_acc {run.Training.History[^1].ValAcc:F4}");
        // README sample ends
        return run;
    }

    private static PlanComparisonResult CheckSample(TransferPlan plan)
    {
        // README sample begins
        PlanComparisonResult result = PlanComparison.Compare(plan, File.ReadAllText("plan.expected.json"));
        Assert.True(result.AreEqual, result.ToString());          // lists status, source, reason, rule, shapes per entry
        // README sample ends
        return result;
    }

    /// <summary>Runs a sample with <paramref name="folder"/> as the current folder, capturing what it prints.</summary>
    private static (T Result, string Console) RunIn<T>(string folder, Func<T> sample)
    {
        string previous = Environment.CurrentDirectory;
        TextWriter stdout = Console.Out;
        StringWriter console = new();
        Environment.CurrentDirectory = folder;
        Console.SetOut(console);
        try
        {
            return (sample(), console.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Environment.CurrentDirectory = previous;
        }
    }

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    private static string[] SampleLines(string source, int index)
    {
        Match block = SampleRegex().Matches(source).ElementAtOrDefault(index) ?? Match.Empty;
        Assert.True(block.Success, "sample markers not found");
        return block.Groups[1].Value.Split('\n').Select(l => l.Trim()).ToArray();
    }

    /// <summary>The README's csharp block number <paramref name="index"/>, without its leading using directives.</summary>
    private static string[] ReadmeLines(int index)
    {
        string readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", "README.md"));
        Match block = ReadmeRegex().Matches(readme).ElementAtOrDefault(index) ?? Match.Empty;
        Assert.True(block.Success, $"README has no csharp block {index}");
        string[] lines = block.Groups[1].Value.Split('\n').Select(l => l.Trim()).ToArray();
        return lines.SkipWhile(l => UsingDirectiveRegex().IsMatch(l) || l.Length == 0).ToArray();
    }

    [GeneratedRegex(@"// README sample begins\n(.*?)\n\s*// README sample ends", RegexOptions.Singleline)]
    private static partial Regex SampleRegex();

    [GeneratedRegex(@"^using [\w.]+;$")]
    private static partial Regex UsingDirectiveRegex();

    [GeneratedRegex(@"```csharp\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex ReadmeRegex();
}

/// <summary>Tests that change the process's current folder: run alone, never beside another test.</summary>
[CollectionDefinition(nameof(CurrentFolderCollection), DisableParallelization = true)]
public sealed class CurrentFolderCollection;
