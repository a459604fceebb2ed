using TorchSharp;
using Transfer.Data;
using Transfer.Data.Idx;

namespace Transfer.Tests.Data;

/// <summary>
/// The example's committed subset (copied to <c>data/</c> in the test output) read through the IDX reader;
/// expected values computed from the same files with Python's gzip module.
/// </summary>
public sealed class CommittedSubsetTests
{
    [Fact]
    public void Committed_subset_holds_2000_train_and_500_test_examples_with_the_bytes_python_reads()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "data");
        using FashionMnistData data = FashionMnist.Locate(dir);

        Assert.Equal((2000L, 500L), (data.Train.Count, data.Test.Count));
        Assert.Equal(new long[] { 2000, 1, 28, 28 }, data.Train.Images.shape);
        Assert.Equal(new long[] { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, data.Train.Labels.narrow(0, 0, 10).data<long>().ToArray());
        Assert.Equal(new long[] { 9, 2, 1, 1, 6 }, data.Test.Labels.narrow(0, 0, 5).data<long>().ToArray());
        using torch.Tensor bytes = data.Train.Images.mul(255).round().to_type(torch.int64);
        Assert.Equal(76247L, bytes[0].sum().item<long>());
        Assert.Equal(113529887L, bytes.sum().item<long>());
    }
}
