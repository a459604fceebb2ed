using TorchSharp;
using Transfer.Formats.PyTorch;
using Transfer.Formats.SafeTensors;
using Transfer.Formats.Sharded;
using Transfer.Formats.TorchSharp;
using Transfer.IO;

namespace Transfer.Formats;

/// <summary>
/// Writes a state dict in the format the path's extension names: <c>.safetensors</c> (Hugging Face layout,
/// tensors in the given order, header padded to 8 bytes), <c>.pt</c>/<c>.pth</c>/<c>.bin</c> (a
/// <c>torch.save</c> zip that <c>torch.load(f, weights_only=True)</c> returns as an OrderedDict) or
/// <c>.dat</c> (TorchSharp <c>Module.save</c>). Tensors are written in the order given, so output is
/// deterministic. Every write is atomic through <see cref="AtomicFile"/>: a failure leaves the old file.
/// A path ending in <c>.safetensors.index.json</c> or <c>.bin.index.json</c> writes a Hugging Face sharded
/// checkpoint of shards up to <see cref="ShardedCheckpointWriter.DefaultMaxShardSize"/> through
/// <see cref="ShardedCheckpointWriter"/> (which takes another limit).
/// </summary>
public static class CheckpointWriter
{
    /// <summary>Writes live tensors (any device; they are copied to CPU one at a time as needed).</summary>
    /// <param name="path">The output file; its extension chooses the format.</param>
    /// <param name="tensors">
    /// The state dict, in the order to write it. Names must be unique and ones the format can hold (safetensors
    /// reserves <c>__metadata__</c>); anything else is refused before the file is touched.
    /// </param>
    /// <param name="metadata">
    /// Written as safetensors <c>__metadata__</c>; <c>.pt</c> and <c>.dat</c> files hold a bare state dict and
    /// have nowhere to put it, so it is dropped there.
    /// </param>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, torch.Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Write(path, [.. tensors.Select(t => WritableTensor.From(t.Key, t.Value))], metadata);
    }

    /// <summary>
    /// Writes tensors straight from open checkpoints, streaming each one's bytes from its file, so converting
    /// or merging a large checkpoint needs memory for one tensor at most (none when it is stored contiguously).
    /// </summary>
    /// <param name="path">The output file; its extension chooses the format.</param>
    /// <param name="tensors">The state dict, in the order to write it, each entry from an open checkpoint.</param>
    /// <param name="metadata">As for the other overload.</param>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, CheckpointTensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Write(path, [.. tensors.Select(t => WritableTensor.From(t.Key, t.Value))], metadata);
    }

    /// <summary>Writes a state dict that mixes live tensors and tensors streamed from open checkpoints.</summary>
    /// <param name="path">The output file; its extension chooses the format.</param>
    /// <param name="entries">The state dict, in the order to write it. Names must be unique.</param>
    /// <param name="metadata">As for the other overloads.</param>
    public static void Write(string path, IReadOnlyList<CheckpointEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Write(path, [.. entries.Select(e => e.Tensor)], metadata);
    }

    /// <summary>
    /// The format (<c>safetensors</c>, <c>pytorch</c>, <c>torchsharp</c>) <paramref name="path"/>'s extension selects;
    /// for a shard index, its shards' format.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The extension is not one Transfer writes.</exception>
    public static string FormatOf(string path) => ShardIndex.IsIndexPath(path) ? ShardIndex.Layout(path).Format : Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".safetensors" => "safetensors",
        ".pt" or ".pth" or ".bin" or ".ckpt" => "pytorch",
        ".dat" => "torchsharp",
        var other => throw new CheckpointFormatException(path,
            $"cannot tell the output format from the extension '{other}'; use .safetensors, .pt, .pth, .bin, .ckpt or .dat, or .safetensors.index.json or .bin.index.json for shards"),
    };

    private static void Write(string path, IReadOnlyList<WritableTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (ShardIndex.IsIndexPath(path))
        {
            ShardedCheckpointWriter.Write(path, tensors, ShardedCheckpointWriter.DefaultMaxShardSize, metadata);
            return;
        }

        string format = FormatOf(path);
        WritableNames.Check(path, format, tensors, metadata);
        byte[]? header = null;
        if (format == "safetensors")
        {
            header = SafeTensorsWriter.Header(tensors, metadata);
            WritableNames.CheckSafeTensorsHeader(path, header.Length - 8);
        }

        AtomicFile.Write(path, stream =>
        {
            switch (format)
            {
                case "safetensors": SafeTensorsWriter.Write(stream, header!, tensors); break;
                case "pytorch": PyTorchCheckpointWriter.Write(stream, tensors); break;
                default: TorchSharpWriter.Write(stream, tensors); break;
            }
        });
    }
}
