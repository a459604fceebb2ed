using Transfer.Formats;
using Transfer.Rules;
using static TorchSharp.torch;

namespace Transfer.Tests.Formats.Sharded;

/// <summary>
/// Converting into and out of many shards streams one tensor at a time: the CLI's peak RSS stays far below the
/// 96 MiB of tensors, whether it writes 24 shards or reads them.
/// </summary>
public sealed class ShardedStreamingTests
{
    private const long MiB = 1 << 20;

    [SkippableFact]
    public void Converting_96_MiB_into_24_shards_and_back_out_of_them_keeps_a_small_peak_RSS()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "reads /proc/<pid>/status");
        string folder = Fixture.TempFolder();
        string single = Path.Combine(folder, "big.safetensors");
        CheckpointWriter.Write(single, [.. Enumerable.Range(0, 48).Select(i =>
            CheckpointEntry.Computed(new TensorSpec($"layer{i}.weight", "float32", [512, 1024]), () => full(512, 1024, (float)i)))]);

        string bin = Path.Combine(folder, "bin", "pytorch_model.bin.index.json");
        var (code, _, stderr, peak) = BoundedReadTests.RunMeasured("convert", single, bin, "--max-shard-size", "4MiB");
        Assert.True(code == 0, stderr);
        Assert.True(peak < 90 * MiB, $"writing 24 shards: peak RSS {peak / MiB} MiB");

        string back = Path.Combine(folder, "back", "model.safetensors.index.json");
        (code, _, stderr, peak) = BoundedReadTests.RunMeasured("convert", Path.GetDirectoryName(bin)!, back, "--max-shard-size", "4MiB");
        Assert.True(code == 0, stderr);
        Assert.True(peak < 90 * MiB, $"reading and writing 24 shards: peak RSS {peak / MiB} MiB");

        using Checkpoint source = CheckpointReader.Open(single);
        using Checkpoint written = CheckpointReader.Open(back);
        Assert.Equal(24, written.Shards.Count);
        Assert.Equal(source.Tensors.Select(t => (t.Spec.Name, t.Sha256())), written.Tensors.Select(t => (t.Spec.Name, t.Sha256())));
    }
}
