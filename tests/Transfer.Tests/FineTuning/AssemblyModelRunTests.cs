using TorchSharp;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Tests.Cli;
using Transfer.Tests.Models;

namespace Transfer.Tests.FineTuning;

/// <summary><c>transfer run</c> with <c>target.model: { assembly, type, args }</c>: a user's module is transferred into, frozen and fine-tuned.</summary>
public sealed class AssemblyModelRunTests
{
    private static readonly string Data = Path.Combine(RepoPaths.Root, "examples", "LeNet5to6", "data");

    private static (string Config, string Source) Write(string folder, string args)
    {
        string source = Path.Combine(folder, "tiny.safetensors");
        using (torch.nn.Module tiny = new AssemblyModel(
            UserModelsAssembly.Path, "MyNamespace.TinyNet", new Dictionary<string, ModelArgument> { ["classes"] = ModelArgument.Scalar("10") }).Create())
        {
            CheckpointWriter.Write(source, StateDictOrder.Entries(tiny));
        }

        string config = Path.Combine(folder, "run.yaml");
        File.WriteAllText(config, $"""
            seed: 3
            source: {"{"} path: tiny.safetensors {"}"}
            target:
              model:
                assembly: '{UserModelsAssembly.Path}'
                type: MyNamespace.TinyNet
                args: {args}
            data: {"{"} kind: idx, path: '{Data}', train_limit: 256, val_limit: 64 {"}"}
            finetune: {"{"} device: cpu, epochs: 2, batch_size: 32, freeze: ['body.*'], optimizer: {"{"} type: sgd, lr: 0.1 {"}"} {"}"}
            """);
        return (config, source);
    }

    [Fact]
    public void A_user_module_from_an_assembly_is_transferred_into_frozen_and_fine_tuned()
    {
        string folder = TestFolders.New("assembly-run");
        (string config, string source) = Write(folder, "{ classes: 10, hidden: 16 }");
        string output = Path.Combine(folder, "out");

        (int code, string stdout, string stderr) = CliProcess.Run("run", config, "--out", output, "--quiet");

        Assert.True(code == 0, stderr);
        Assert.StartsWith("best: epoch ", stdout);
        using Checkpoint before = CheckpointReader.Open(source);
        using Checkpoint after = CheckpointReader.Open(Path.Combine(output, "final.safetensors"));
        Assert.Equal(before.Specs.Select(s => s.Name), after.Specs.Select(s => s.Name));
        Assert.Equal(Floats(before, "body.linear.weight"), Floats(after, "body.linear.weight")); // frozen: bitwise as transferred
        Assert.NotEqual(Floats(before, "head.linear.weight"), Floats(after, "head.linear.weight")); // trained
        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "metrics.csv")).Length);
        string resolved = File.ReadAllText(Path.Combine(output, "config.yaml"));
        Assert.Contains(
            $"target:\n  model:\n    assembly: '{UserModelsAssembly.Path}'\n    type: 'MyNamespace.TinyNet'\n    args:\n      classes: '10'\n      hidden: '16'\n",
            resolved);

        // transfer export takes the model from the run folder's config: the same assembly module, refused here
        // because its own forward has no ONNX export (it does not implement IOnnxExportable).
        (int exportCode, _, string exportError) = CliProcess.Run("export", output, "--out", Path.Combine(folder, "tiny.onnx"), "--input-shape", "1,28,28");
        Assert.Equal(2, exportCode);
        Assert.StartsWith("error: Cannot export module '(root)' (TinyNet) to ONNX", exportError);
    }

    [Fact]
    public void A_bad_constructor_argument_refuses_the_run_in_one_line_before_anything_is_written()
    {
        string folder = TestFolders.New("assembly-run");
        (string config, _) = Write(folder, "{ classes: 10, hiden: 16 }");
        string output = Path.Combine(folder, "out");

        (int code, string stdout, string stderr) = CliProcess.Run("run", config, "--out", output, "--quiet");

        Assert.Equal((2, string.Empty), (code, stdout));
        Assert.Equal(
            $"error: target: Model type MyNamespace.TinyNet in {UserModelsAssembly.Path} has no constructor argument 'hiden'; did you mean 'hidden'? arguments: classes, hidden, inputs.\n",
            stderr);
        Assert.False(Directory.Exists(output));

        // --print-config refuses it in the same line (the constructor is picked, not run), and a misspelt type too.
        Assert.Equal((2, string.Empty, stderr), CliProcess.Run("run", config, "--print-config"));
        File.WriteAllText(config, File.ReadAllText(config).Replace("hiden", "hidden", StringComparison.Ordinal));
        (int printCode, string printed, string printErr) = CliProcess.Run("run", config, "--print-config");
        Assert.True(printCode == 0, printErr);
        Assert.Contains("    type: 'MyNamespace.TinyNet'\n", printed);
        File.WriteAllText(config, File.ReadAllText(config).Replace("type: MyNamespace.TinyNet", "type: MyNamespace.TinyNte", StringComparison.Ordinal));
        Assert.Equal(
            (2, string.Empty, $"error: target: Model assembly {UserModelsAssembly.Path} has no type 'MyNamespace.TinyNte'; did you mean 'MyNamespace.TinyNet'? (module types: MyNamespace.ArgumentsNet, MyNamespace.GainNet, MyNamespace.HiddenNet, MyNamespace.StemNet, MyNamespace.ThrowingNet, MyNamespace.TinyNet, MyNamespace.TwoWayNet).\n"),
            CliProcess.Run("run", config, "--print-config"));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_user_module_with_parameters_the_seed_cannot_initialise_is_refused_naming_the_module()
    {
        string folder = TestFolders.New("assembly-run");
        (string config, _) = Write(folder, "{ classes: 10 }");
        File.WriteAllText(config, File.ReadAllText(config).Replace("type: MyNamespace.TinyNet", "type: MyNamespace.GainNet", StringComparison.Ordinal));
        string output = Path.Combine(folder, "out");

        (int code, string stdout, string stderr) = CliProcess.Run("run", config, "--out", output, "--quiet");

        Assert.Equal((2, string.Empty), (code, stdout));
        Assert.Equal(
            "error: target.model: MyNamespace.GainNet: Module '(root)' (GainNet) holds parameters SeededInit cannot initialise; a run initialises its model from 'seed' and can do so for Linear, convolution, norm and embedding layers only\n",
            stderr);
        Assert.False(Directory.Exists(output));
    }

    private static float[] Floats(Checkpoint checkpoint, string name)
    {
        using torch.Tensor tensor = checkpoint.Tensors.Single(t => t.Spec.Name == name).Load();
        return tensor.data<float>().ToArray();
    }
}
