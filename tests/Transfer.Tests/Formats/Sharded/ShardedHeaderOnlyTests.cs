using Transfer.Cli.Commands;
using Transfer.Formats;
using Transfer.Formats.Sharded;
using static TorchSharp.torch;

namespace Transfer.Tests.Formats.Sharded;

/// <summary>
/// Planning against a sharded checkpoint reads the index and each shard's header only: the bytes this process
/// reads (Linux <c>/proc/self/io</c> rchar) stay tiny next to the shards' 48 MB of tensors.
/// </summary>
[Collection(nameof(ReadCountingCollection))]
public sealed class ShardedHeaderOnlyTests
{
    [SkippableTheory]
    [InlineData("model.safetensors.index.json")]
    [InlineData("pytorch_model.bin.index.json")]
    public void Opening_and_planning_read_headers_across_all_shards_but_no_tensor_bytes(string name)
    {
        Skip.IfNot(File.Exists("/proc/self/io"), "needs Linux /proc/self/io");
        string index = Path.Combine(Fixture.TempFolder(), name);
        using (Tensor a = zeros(4, 1024, 1024), b = zeros(4, 1024, 1024), c = zeros(4, 1024, 1024))
        {
            ShardedCheckpointWriter.Write(index, [CheckpointEntry.Of("a", a), CheckpointEntry.Of("b", b), CheckpointEntry.Of("c", c)], 16 << 20);
        }

        long before = ReadBytes();
        using (Checkpoint checkpoint = CheckpointReader.Open(index))
        {
            Assert.Equal(3, checkpoint.Shards.Count);
            Assert.Equal(new long[] { 4, 1024, 1024 }, checkpoint.Specs[2].Shape);
        }

        long read = ReadBytes() - before;
        Assert.True(read < 1 << 20, $"Open read {read} bytes");

        // Planning the set against itself opens it twice (source and target).
        before = ReadBytes();
        Assert.Equal(0, CommandErrors.Run(() => PlanCommand.Run(index, index, null, null, "json", new StringWriter(), new StringWriter())));
        read = ReadBytes() - before;
        Assert.True(read < 2 << 20, $"Plan read {read} bytes");
    }

    private static long ReadBytes() =>
        long.Parse(File.ReadLines("/proc/self/io").First(l => l.StartsWith("rchar:", StringComparison.Ordinal))[6..].Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
}
