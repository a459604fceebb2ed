using Transfer.Tests.Cli;

namespace Transfer.Tests.FineTuning;

/// <summary><c>transfer run --print-config</c>: the resolved config, accepted back by <c>transfer run</c> unchanged, and nothing written.</summary>
public sealed class PrintConfigTests
{
    [Fact]
    public void The_printed_config_has_defaults_and_overrides_writes_nothing_and_prints_itself_unchanged()
    {
        string folder = TestFolders.New("print-config");
        string config = Path.Combine(folder, "run.yaml");
        File.WriteAllText(config, $"""
            source: {"{"} path: '{Path.Combine(RepoPaths.Root, "examples", "LeNet5to6", "lenet5.pt")}' {"}"}
            target: {"{"} model: LeNet6, classes: 10 {"}"}
            rules:
              - exclude: ['fc.5.*']
              - rename: {"{"} from: '^moon\.(\d+)\.', to: 'conv.$1.' {"}"}
            seed: 4
            data: {"{"} path: data {"}"}
            finetune: {"{"} optimizer: {"{"} type: sgd {"}"}, freeze: ['conv.*'] {"}"}
            """);
        string output = Path.Combine(folder, "out");

        (int code, string printed, string stderr) = CliProcess.Run("run", config, "--print-config", "--set", "finetune.epochs=2", "--out", output);

        Assert.Equal((0, string.Empty), (code, stderr));
        Assert.False(Directory.Exists(output));
        Assert.Equal([Path.GetFileName(config)], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
        Assert.Contains("\nseed: 4\n", printed);
        Assert.Contains($"\n  kind: 'idx'\n  path: '{Path.Combine(folder, "data")}'\nvalidation:\n  split: 0.1\n", printed);
        Assert.Contains("\n  device: 'auto'\n  threads: 1\n  epochs: 2\n  batch_size: 64\n", printed);
        Assert.Contains("\n    type: 'sgd'\n    lr: 0.001\n    weight_decay: 0\n    momentum: 0\n    nesterov: false\n", printed);

        string again = Path.Combine(TestFolders.New("print-config"), "printed.yaml");
        File.WriteAllText(again, printed);
        (int code2, string reprinted, string stderr2) = CliProcess.Run("run", again, "--print-config");

        Assert.Equal((0, string.Empty), (code2, stderr2));
        Assert.Equal(printed, reprinted);
    }

    [Fact]
    public void A_bad_config_is_refused_in_one_line_as_a_run_would_refuse_it()
    {
        string config = Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml");

        (int code, string stdout, string stderr) = CliProcess.Run("run", config, "--print-config", "--set", "finetune.epochs=0");

        Assert.Equal((2, string.Empty), (code, stdout));
        Assert.Equal("error: --set finetune.epochs=0: 'finetune.epochs' must be an integer >= 1, got '0'\n", stderr);
    }
}
