using TorchSharp;
using Transfer.Formats;
using Transfer.Tests.Cli;

namespace Transfer.Tests.Models;

/// <summary>
/// The README walkthrough's transfer step: a torchvision resnet18 state dict saved by PyTorch
/// (Fixtures/make_torchvision_resnet18.py) applied into the built-in ResNet18 for 1-channel, 3-class images
/// (<c>--target-option in_chans=1 --target-option classes=3</c>), with <c>adapt_channels</c> on the stem.
/// </summary>
public sealed class TorchvisionResNet18TransferTests
{
    [SkippableFact]
    public void A_torchvision_resnet18_applies_into_a_one_channel_three_class_ResNet18_with_the_stem_summed_over_rgb()
    {
        Skip.IfNot(PyTorchProcess.Available, "/usr/bin/python3 cannot import torch");
        string folder = TestFolders.New("torchvision-resnet18");
        string source = Path.Combine(folder, "resnet18.pt");
        PyTorchProcess.Run(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Models", "Fixtures", "make_torchvision_resnet18.py")), source);
        string rules = Path.Combine(folder, "rules.yaml");
        File.WriteAllText(rules, "rules:\n  - shape: { match: 'conv1.weight', policy: adapt_channels }\n");
        string output = Path.Combine(folder, "resnet18-gray3.safetensors");

        (int code, string stdout, string stderr) = CliProcess.Run(
            "apply", "--source", source, "--target", "ResNet18", "--target-option", "in_chans=1", "--target-option", "classes=3",
            "--rules", rules, "--out", output);

        Assert.Equal((0, string.Empty), (code, stderr));
        string[] lines = stdout.Split('\n');
        Assert.Equal("loaded 119, partial 1, skipped 2, missing 0, unused 0", lines[1]);
        Assert.Contains(lines, l => l.StartsWith("partial  conv1.weight", StringComparison.Ordinal) && l.EndsWith("adapt_channels [64, 3, 7, 7] -> [64, 1, 7, 7]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("skipped  fc.weight", StringComparison.Ordinal) && l.EndsWith("shape_mismatch  keep  [1000, 512] -> [3, 512]", StringComparison.Ordinal));
        using Checkpoint from = CheckpointReader.Open(source);
        using Checkpoint to = CheckpointReader.Open(output);
        using torch.Tensor rgb = Tensor(from, "conv1.weight");
        using torch.Tensor summed = rgb.sum(1, keepdim: true);
        using torch.Tensor gray = Tensor(to, "conv1.weight");
        Assert.Equal(summed.data<float>().ToArray(), gray.data<float>().ToArray());
        foreach (string name in new[] { "layer3.1.conv2.weight", "layer2.0.downsample.1.running_var" })
        {
            using torch.Tensor expected = Tensor(from, name);
            using torch.Tensor actual = Tensor(to, name);
            Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
        }

        using torch.Tensor batches = Tensor(to, "bn1.num_batches_tracked");
        Assert.Equal(7L, batches.item<long>());
        Assert.Equal([3L, 512L], to.Specs.Single(s => s.Name == "fc.weight").Shape);
    }

    private static torch.Tensor Tensor(Checkpoint checkpoint, string name) => checkpoint.Tensors.Single(t => t.Spec.Name == name).Load();
}
