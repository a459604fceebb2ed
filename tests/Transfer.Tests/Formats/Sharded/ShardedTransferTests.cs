using Transfer.Applying;
using Transfer.Cli.Commands;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Rules;
using static TorchSharp.torch;

namespace Transfer.Tests.Formats.Sharded;

/// <summary>
/// The "done when" for shards: a 3-shard LeNet5 plans and applies into the built-in LeNet6 with the
/// LeNet5→LeNet6 example's rules (the defaults) and out to a new 3-shard set that `transfer inspect` and PyTorch
/// read identically.
/// </summary>
public sealed class ShardedTransferTests
{
    public static TheoryData<string, string> Sources => new()
    {
        { ShardFixture.SafeTensorsIndex, "lenet6.bin.index.json" },
        { ShardFixture.BinIndex, "lenet6.safetensors.index.json" },
        { Path.GetDirectoryName(ShardFixture.BinIndex)!, "lenet6.bin.index.json" },
    };

    [SkippableTheory]
    [MemberData(nameof(Sources))]
    public void A_three_shard_LeNet5_applies_into_LeNet6_and_out_to_three_shards_PyTorch_reads_identically(string source, string outName)
    {
        StringWriter plan = new();
        Assert.Equal(0, CommandErrors.Run(() => PlanCommand.Run(source, "LeNet6", null, null, "json", plan, new StringWriter())));
        Assert.Contains("\"loaded\": 8", plan.ToString(), StringComparison.Ordinal);

        string folder = Fixture.TempFolder();
        string output = Path.Combine(folder, outName);
        StringWriter stdout = new();
        Assert.Equal(0, CommandErrors.Run(() => ApplyCommand.Run(source, "LeNet6", null, null, output, stdout, maxShardSize: "100KB")));
        Assert.EndsWith($"wrote {output}: 12 tensors; 8 loaded, 0 partial, 0 cast, 60,856 elements from the source\n", stdout.ToString());

        using Checkpoint written = CheckpointReader.Open(output);
        Assert.Equal(3, written.Shards.Count);
        Assert.Equal(["conv.0.weight", "conv.0.bias", "conv.3.weight", "conv.3.bias", "fc.1.weight", "fc.1.bias", "fc.3.weight", "fc.3.bias", "fc.5.weight", "fc.5.bias", "fc.7.weight", "fc.7.bias"],
            written.Specs.Select(s => s.Name));
        Dictionary<string, string?> lenet5 = ShardFixture.LeNet5.ToDictionary(t => t.Name, t => t.Sha256);
        foreach (string loaded in new[] { "conv.0.weight", "conv.0.bias", "conv.3.weight", "conv.3.bias", "fc.1.weight", "fc.1.bias", "fc.3.weight", "fc.3.bias" })
        {
            Assert.Equal(lenet5[loaded], written.Tensors.Single(t => t.Spec.Name == loaded).Sha256());
        }

        Skip.IfNot(PyTorchProcess.Available, "PyTorch is not importable from /usr/bin/python3");
        Assert.Equal(ShardFixture.ReadByPyTorch(output), ShardFixture.ReadByInspect(output));
    }

    [Fact]
    public void LoadWeights_reads_a_sharded_checkpoint_into_a_model_exactly()
    {
        using nn.Module model = ModelRegistry.Create("LeNet6");
        LoadReport report = model.LoadWeights(ShardFixture.SafeTensorsIndex, RuleSet.Builder().Build());
        Assert.Equal(8, report.Applied.Loaded);
        Dictionary<string, string?> lenet5 = ShardFixture.LeNet5.ToDictionary(t => t.Name, t => t.Sha256);
        foreach ((string name, Tensor value) in model.state_dict())
        {
            if (name.StartsWith("fc.5", StringComparison.Ordinal) || name.StartsWith("fc.7", StringComparison.Ordinal))
            {
                continue;
            }

            using Tensor contiguous = value.detach().contiguous();
            Assert.Equal(lenet5[name], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(contiguous.bytes)));
        }
    }
}
