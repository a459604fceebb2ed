using Transfer.Formats;
using static TorchSharp.torch;

namespace Transfer.Tests.Formats;

/// <summary>Live tensors and tensors streamed from a checkpoint can be written together.</summary>
public sealed class MixedEntryWriteTests
{
    [Fact]
    public void A_merged_state_dict_of_stored_and_live_tensors_writes_each_exactly()
    {
        string path = Path.Combine(Fixture.TempFolder(), "merged.pt");
        using Checkpoint views = CheckpointReader.Open(Fixture.Path_("views.pt"));
        using Tensor head = arange(6, dtype: ScalarType.Int64).reshape(2, 3);
        CheckpointWriter.Write(path, [CheckpointEntry.Of("body.t", views.Tensors[1]), CheckpointEntry.Of("head", head)]);
        using Checkpoint read = CheckpointReader.Open(path);
        Assert.Equal(["body.t", "head"], read.Specs.Select(s => s.Name));
        Assert.Equal(Fixture.Expected("views.pt")[1].Sha256, read.Tensors[0].Sha256());
        using Tensor back = read.Tensors[1].Load();
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5 }, back.data<long>().ToArray());
    }
}
