using System.Text.Json;
using TorchSharp;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Tests.Cli;
using Transfer.Tests.Data.Images;
using Transfer.Tests.Models;

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
    public void The_example_photo_config_prints_a_config_that_prints_itself_unchanged()
    {
        string config = Path.Combine(RepoPaths.Root, "configs", "imagefolder-resnet18.yaml");

        (int code, string printed, string stderr) = CliProcess.Run("run", config, "--print-config");

        Assert.Equal((0, string.Empty), (code, stderr));
        Assert.Contains(
            $"\n  kind: 'imagefolder'\n  path: '{Path.Combine(RepoPaths.Root, "configs", "photos")}'\n  transforms:\n    resize: 72\n    random_resized_crop:\n      size: 64\n      scale: [0.5, 1]\n      ratio: [0.75, 1.3333]\n    horizontal_flip:\n      p: 0.5\n    normalize: imagenet\n  on_bad_image: skip\n",
            printed);
        string again = Path.Combine(TestFolders.New("print-config"), "printed.yaml");
        File.WriteAllText(again, printed);
        Assert.Equal((0, printed, string.Empty), CliProcess.Run("run", again, "--print-config"));
    }

    /// <summary>Issue 14's "config shape", verbatim (comments included); only a source and a target are added.</summary>
    private const string IssueConfigShape = """
        data:
          kind: imagefolder
          path: photos
          transforms:                       # a mapping, applied in the order above
            resize: 72
            random_resized_crop: { size: 64, scale: [0.5, 1.0], ratio: [0.75, 1.3333] }
            horizontal_flip: { p: 0.5 }
            normalize: imagenet             # or { mean: [...], std: [...] }, or none
          on_bad_image: skip                # or error
        validation: { split: 0.2 }
        log: { tensorboard: true }
        """;

    [Fact]
    public void The_issue_config_shape_is_accepted_verbatim_prints_itself_back_and_trains()
    {
        string folder = TestFolders.New("issue-shape");
        PhotoFolder.Create(Path.Combine(folder, "photos"), ["ant", "bee", "cow"], perClass: 5, minSide: 24, seed: 2);
        ResNet18Source.Write(Path.Combine(folder, "resnet18.pt"), seed: 1);

        string config = Path.Combine(folder, "run.yaml");
        File.WriteAllText(config, $"source: {{ path: resnet18.pt }}\ntarget: {{ model: ResNet18, classes: 3 }}\n{IssueConfigShape}\n");

        (int code, string printed, string stderr) = CliProcess.Run("run", config, "--print-config");
        Assert.Equal((0, string.Empty), (code, stderr));
        Assert.Contains("\n    normalize: imagenet\n  on_bad_image: skip\n  workers: auto\nvalidation:\n  split: 0.2\n", printed);
        Assert.EndsWith("\nlog:\n  tensorboard: true\n", printed);
        File.WriteAllText(Path.Combine(folder, "printed.yaml"), printed);
        Assert.Equal((0, printed, string.Empty), CliProcess.Run("run", Path.Combine(folder, "printed.yaml"), "--print-config"));

        string output = Path.Combine(folder, "out");
        (int runCode, _, string runErr) = CliProcess.Run("run", config, "--out", output, "--set", "finetune.epochs=1", "--set", "finetune.device=cpu");
        Assert.True(runCode == 0, runErr);
        Assert.Equal("[\n  \"ant\",\n  \"bee\",\n  \"cow\"\n]\n", File.ReadAllText(Path.Combine(output, "classes.json")));
        Assert.Single(Directory.GetFiles(Path.Combine(output, "tensorboard"), "events.out.tfevents.*"));
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "report.json")));
        JsonElement images = report.RootElement.GetProperty("data").GetProperty("imagefolder");
        Assert.Equal(3, images.GetProperty("channels").GetInt32());
        Assert.Equal(
            """[{"resize":72},{"random_resized_crop":{"size":64,"scale":[0.5,1],"ratio":[0.75,1.3333],"attempts":10}},{"horizontal_flip":{"p":0.5}},{"normalize":{"preset":"imagenet","mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225]}}]""",
            JsonSerializer.Serialize(images.GetProperty("transforms").GetProperty("train")));
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
