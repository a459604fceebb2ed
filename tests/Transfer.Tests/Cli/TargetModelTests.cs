using TorchSharp;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Tests.Models;

namespace Transfer.Tests.Cli;

/// <summary>
/// <c>--target</c> as a module of a user's assembly (<c>UserModels.dll:MyNamespace.TinyNet</c>) or a built-in
/// model with <c>--target-option</c>s, through the real <c>transfer</c> process.
/// </summary>
public sealed class TargetModelTests
{
    private static readonly string Target = $"{UserModelsAssembly.Path}:MyNamespace.TinyNet";

    /// <summary>A TinyNet state dict with 10 classes, as the user's earlier training would have saved it.</summary>
    private static string TenClassSource(string folder)
    {
        string path = Path.Combine(folder, "tiny10.safetensors");
        using torch.nn.Module tiny = new AssemblyModel(
            UserModelsAssembly.Path, "MyNamespace.TinyNet", new Dictionary<string, ModelArgument> { ["classes"] = ModelArgument.Scalar("10") }).Create();
        CheckpointWriter.Write(path, StateDictOrder.Entries(tiny));
        return path;
    }

    [Fact]
    public void Plan_into_a_user_module_loads_its_body_and_skips_the_resized_head()
    {
        string source = TenClassSource(TestFolders.New("target-model"));

        (int code, string stdout, string stderr) = CliProcess.Run("plan", "--source", source, "--target", Target, "--target-option", "classes=5");

        Assert.Equal((0, string.Empty), (code, stderr));
        string[] lines = stdout.Split('\n');
        Assert.Equal($"Transfer plan: {source} -> {Target}", lines[0]);
        Assert.Equal("loaded 2, partial 0, skipped 2, missing 0, unused 0", lines[1]);
        Assert.Contains(lines, l => l.StartsWith("loaded   body.linear.{weight, bias}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("skipped  head.linear.weight", StringComparison.Ordinal) && l.EndsWith("shape_mismatch  keep  [10, 16] -> [5, 16]", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_into_a_user_module_writes_the_source_body_bitwise_and_the_new_head_shape()
    {
        string folder = TestFolders.New("target-model");
        string source = TenClassSource(folder);
        string output = Path.Combine(folder, "tiny5.safetensors");

        (int code, string stdout, string stderr) = CliProcess.Run(
            "apply", "--source", source, "--target", Target, "--target-option", "classes=5", "--target-option", "hidden=16", "--out", output);

        Assert.Equal((0, string.Empty), (code, stderr));
        Assert.EndsWith($"wrote {output}: 4 tensors; 2 loaded, 0 partial, 0 cast, 12,560 elements from the source\n", stdout);
        using Checkpoint before = CheckpointReader.Open(source);
        using Checkpoint after = CheckpointReader.Open(output);
        Assert.Equal(
            ["body.linear.weight [16, 784]", "body.linear.bias [16]", "head.linear.weight [5, 16]", "head.linear.bias [5]"],
            after.Specs.Select(s => $"{s.Name} [{string.Join(", ", s.Shape)}]"));
        foreach (string name in new[] { "body.linear.weight", "body.linear.bias" })
        {
            using torch.Tensor expected = before.Tensors.Single(t => t.Spec.Name == name).Load();
            using torch.Tensor actual = after.Tensors.Single(t => t.Spec.Name == name).Load();
            Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
        }
    }

    [Fact]
    public void Target_options_build_a_built_in_model_with_them()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Formats", "Fixtures", "lenet5.dat");

        (int code, string stdout, string stderr) = CliProcess.Run("plan", "--source", source, "--target", "LeNet5", "--target-option", "classes=5");

        Assert.Equal((0, string.Empty), (code, stderr));
        string[] lines = stdout.Split('\n');
        Assert.Equal("loaded 8, partial 0, skipped 2, missing 0, unused 0", lines[1]);
        Assert.Contains(lines, l => l.StartsWith("skipped  fc.5.weight", StringComparison.Ordinal) && l.EndsWith("shape_mismatch  keep  [10, 84] -> [5, 84]", StringComparison.Ordinal));
    }

    [Fact]
    public void Evaluate_takes_a_user_module_as_its_model()
    {
        string folder = TestFolders.New("target-model");
        string weights = TenClassSource(folder);
        string data = Path.Combine(Transfer.Tests.FineTuning.RepoPaths.Root, "examples", "LeNet5to6", "data");

        (int code, string stdout, string stderr) = CliProcess.Run(
            "evaluate", "--model", Target, "--model-option", "classes=10", "--weights", weights, "--data", data, "--out", folder);

        Assert.Equal((0, string.Empty), (code, stderr));
        Assert.StartsWith("accuracy ", stdout);
        Assert.True(File.Exists(Path.Combine(folder, "confusion.png")));
    }

    public static TheoryData<string[], string> Refusals => new()
    {
        { ["--target", "{lenet5}", "--target-option", "classes=5"], "error: --target-option applies to a model, not to the checkpoint {lenet5}.\n" },
        { ["--target", "{dll}"], "error: {dll} is an assembly: name the module type in it as {dll}:Namespace.Type.\n" },
        { ["--target", "{dll}:MyNamespace.TinyNet", "--target-option", "classes"], "error: --target-option must be key=value, not 'classes'.\n" },
        { ["--target", "{dll}:MyNamespace.TinyNet", "--target-option", "clases=5"], "error: Model type MyNamespace.TinyNet in {dll} has no constructor argument 'clases'; did you mean 'classes'? arguments: classes, hidden, inputs.\n" },
        { ["--target", "{dll}:MyNamespace.TinyNt"], "error: Model assembly {dll} has no type 'MyNamespace.TinyNt'; did you mean 'MyNamespace.TinyNet'? (module types: MyNamespace.ArgumentsNet, MyNamespace.GainNet, MyNamespace.HiddenNet, MyNamespace.StemNet, MyNamespace.ThrowingNet, MyNamespace.TinyNet, MyNamespace.TwoWayNet).\n" },
        { ["--target", "{dll}:MyNamespace.ThrowingNet", "--target-option", "classes=3"], "error: Model type MyNamespace.ThrowingNet in {dll}: its constructor threw ArgumentOutOfRangeException: classes must be even\\nsecond line (Parameter 'classes')\n" },
        { ["--target", "ResNet18", "--target-option", "in_chans=1", "--target-option", "in_channels=1"], "error: Model 'ResNet18' options 'in_channels' and 'in_chans' are the same option; give one.\n" },
        { ["--target", "ResNet18", "--target-option", "in_chan=1"], "error: Model 'ResNet18' has no option 'in_chan'; did you mean 'in_chans'? Options: classes, in_channels, in_chans.\n" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_bad_target_is_one_line_and_exit_2(string[] target, string expected)
    {
        string lenet5 = Path.Combine(AppContext.BaseDirectory, "Formats", "Fixtures", "lenet5.dat");
        string[] args = ["plan", "--source", lenet5, .. target.Select(a => Fill(a, lenet5))];

        (int code, string stdout, string stderr) = CliProcess.Run(args);

        Assert.Equal((2, string.Empty), (code, stdout));
        Assert.Equal(Fill(expected, lenet5), stderr);
    }

    private static string Fill(string text, string lenet5) =>
        text.Replace("{dll}", UserModelsAssembly.Path, StringComparison.Ordinal).Replace("{lenet5}", lenet5, StringComparison.Ordinal);
}
