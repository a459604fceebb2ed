using Transfer.Formats;
using Transfer.Formats.PyTorch;
using Transfer.Rules;
using Transfer.Rules.Planning;
using Transfer.Transfers;

namespace Transfer.Tests.Formats;

/// <summary>
/// Big real state dicts (mixture-of-experts checkpoints have well over 100,000 tensors) read and plan: the
/// pickle limits grow with data.pkl's size. The timing against the safetensors twin is a bench note, not a
/// test (README, "Sizes").
/// </summary>
public sealed class ManyTensorsTests
{
    private const int Count = 120_000;

    [Fact]
    public void A_pt_with_120000_tensors_inspects_and_plans_every_one()
    {
        string path = Path.Combine(Fixture.TempFolder(), "many.pt");
        DType float32 = DType.FromName("float32")!;
        WritableTensor[] tensors = [.. Enumerable.Range(0, Count).Select(i =>
            new WritableTensor($"experts.{i}.w", float32, [1], 4, s => s.Write(BitConverter.GetBytes((float)i))))];
        using (FileStream file = new(path, FileMode.CreateNew))
        {
            PyTorchCheckpointWriter.Write(file, tensors);
        }

        using (Checkpoint checkpoint = CheckpointReader.Open(path))
        {
            Assert.Equal(Count, checkpoint.Tensors.Count);
            Assert.Equal(new TensorSpec("experts.119999.w", "float32", [1]), checkpoint.Specs[^1]);
            using TorchSharp.torch.Tensor last = checkpoint.Tensors[^1].Load();
            Assert.Equal(119999f, last.item<float>());
        }

        using StateDictSide source = StateDictSide.OpenFile(path);
        using StateDictSide target = StateDictSide.OpenFile(path);
        TransferPlan plan = WeightTransfer.Plan(source, target, RuleSet.Default);
        Assert.Equal(new PlanSummary(Count, 0, 0, 0, 0, Count, Count), plan.Summary);
    }
}
