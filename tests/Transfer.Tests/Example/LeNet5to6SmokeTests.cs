using System.Text.RegularExpressions;
using LeNet5to6;
using Transfer.Applying;
using Transfer.Rules.Planning;

namespace Transfer.Tests.Example;

public sealed class LeNet5to6SmokeTests : IDisposable
{
    private readonly string outDir = Path.Combine(Path.GetTempPath(), "lenet5to6-smoke-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(outDir))
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public void Example_runs_on_the_committed_subset_and_ends_with_the_final_accuracy_line()
    {
        string subset = Path.Combine(AppContext.BaseDirectory, "data");
        ExampleOptions options = ExampleOptions.Parse(["--data", subset, "--epochs", "1", "--finetune-epochs", "1", "--out", outDir]);
        StringWriter output = new();

        ExampleResult result = LeNet5to6Example.Run(options, output);

        string[] lines = output.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal($"data: Fashion-MNIST from the given folder {subset} (2000 train, 500 test)", lines[0]);
        Assert.Matches(new Regex(@"^final test accuracy: 0\.\d{4}$"), lines[^1]);
        Assert.Equal(new PlanSummary(8, 0, 2, 2, 0, 60856, 66946), result.Plan.Summary);
        Assert.Equal(new ApplyReport(8, 0, 60856, 0), result.Applied);
        Assert.Equal((4, 8), (result.Frozen.FrozenCount, result.Frozen.TrainableCount));
        Assert.Contains("loaded 8, partial 0, skipped 2, missing 2, unused 0", lines);
        Assert.Contains("60,856 of 66,946 target elements load (90.90%)", lines);
        Assert.Contains("skipped  fc.5.weight            fc.5.weight            name  shape_mismatch  keep  [10, 84] -> [64, 84]", lines);
        Assert.Contains("missing  fc.7.{weight, bias}                                 no_source       keep", lines);
        Assert.True(File.Exists(result.SavedModel));
        Assert.InRange(result.FinalAccuracy, 0.3, 1.0);
    }

    [Fact]
    public void Unknown_example_option_is_named()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => ExampleOptions.Parse(["--epoch", "2"]));
        Assert.Equal("Unknown option '--epoch'; options: --data, --epochs, --finetune-epochs, --out, --batch-size, --lr, --threads, --seed.", e.Message);
    }
}
