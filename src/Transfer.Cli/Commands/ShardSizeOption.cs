using System.CommandLine;
using Transfer.Formats;
using Transfer.Formats.Sharded;

namespace Transfer.Cli.Commands;

/// <summary><c>--max-shard-size</c> (apply, convert): the shard limit when the output is a shard index.</summary>
internal static class ShardSizeOption
{
    public static Option<string?> Create() => new("--max-shard-size")
    {
        Description = "With an --out/<out> ending in .safetensors.index.json or .bin.index.json: the most tensor bytes per shard, in Hugging Face's syntax (500MB, 5GB, 1.5GB, 100KB, 512MiB; MB and GB are decimal). Default 5GB.",
    };

    /// <summary>The limit to write <paramref name="output"/> with; a size given for an output that is not a shard index is refused.</summary>
    /// <exception cref="CheckpointFormatException">The size is malformed, or given for a single-file output.</exception>
    public static long Resolve(string? size, string output)
    {
        if (size is null)
        {
            return ShardedCheckpointWriter.DefaultMaxShardSize;
        }

        if (!ShardedCheckpointWriter.IsIndexPath(output))
        {
            throw new CheckpointFormatException(output, "--max-shard-size applies only to a sharded output, whose name ends in .safetensors.index.json or .bin.index.json");
        }

        try
        {
            return ShardedCheckpointWriter.ParseSize(size);
        }
        catch (FormatException e)
        {
            throw new CheckpointFormatException(output, $"--max-shard-size {e.Message}");
        }
    }
}
