namespace Transfer.Formats;

/// <summary>
/// How much tensor data a checkpoint may claim relative to its file. Views may share stored bytes (a stride-0
/// expansion of one float can claim gigabytes), so a tiny file could make <c>inspect --hash</c> or
/// <c>convert</c> produce far more than it holds. Unless expansion is allowed, a checkpoint whose tensors
/// hold more than <see cref="Factor"/> × its file size + <see cref="Slack"/> bytes is refused when opened.
/// The total is summed with overflow checks either way.
/// </summary>
internal static class ExpansionLimit
{
    public const long Factor = 16;
    public const long Slack = 64L << 20;

    /// <summary>The most tensor bytes a file of <paramref name="fileLength"/> bytes may claim.</summary>
    public static long For(long fileLength) =>
        fileLength > (long.MaxValue - Slack) / Factor ? long.MaxValue : (fileLength * Factor) + Slack;

    /// <summary>Refuses a checkpoint whose tensor bytes overflow, or exceed the limit unless <paramref name="allow"/>.</summary>
    public static void Check(Checkpoint checkpoint, long fileLength, bool allow)
    {
        long total = 0;
        foreach (CheckpointTensor tensor in checkpoint.Tensors)
        {
            long bytes = tensor.ByteCount;
            if (total > long.MaxValue - bytes)
            {
                throw new CheckpointFormatException(checkpoint.Path, $"its tensors' sizes add up to more than {long.MaxValue} bytes");
            }

            total += bytes;
        }

        long limit = For(fileLength);
        if (!allow && total > limit)
        {
            throw new CheckpointFormatException(checkpoint.Path,
                $"its tensors hold {total} bytes, more than {Factor} × the file's {fileLength} bytes + {Slack >> 20} MiB (views that repeat stored bytes, such as stride-0 expansions); pass --allow-expansion to read it anyway");
        }
    }
}
