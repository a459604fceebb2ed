using System.Text;
using System.Text.Json;
using Transfer.Formats.PyTorch;
using Transfer.Formats.SafeTensors;

namespace Transfer.Formats.Sharded;

/// <summary>
/// Writes a state dict as a Hugging Face sharded checkpoint: shards beside the index, named as Hugging Face
/// names them after the index's stem (<c>model.safetensors.index.json</c> → <c>model-00001-of-00003.safetensors</c>;
/// <c>pytorch_model.bin.index.json</c> → <c>pytorch_model-00001-of-00003.bin</c>, <c>torch.save</c> zips), then the
/// index with <c>metadata.total_size</c> and the <c>weight_map</c> sorted by name. Tensors fill shards in the
/// order given, a new shard starting when the next tensor would take the current one past the limit; a tensor
/// larger than the limit gets a shard of its own. Everything is validated before a byte is written, each
/// tensor is streamed from its source, and the set commits as a unit: see <see cref="ShardSetCommit"/>.
/// </summary>
public static class ShardedCheckpointWriter
{
    /// <summary>The shard size limit when none is given: 5 GB (5 × 10^9 bytes), as Hugging Face's default.</summary>
    public const long DefaultMaxShardSize = 5_000_000_000;

    /// <summary>
    /// Parses a Hugging Face shard size: <c>500MB</c>, <c>5GB</c>, <c>1.5GB</c>, <c>100KB</c> (decimal units, as
    /// Hugging Face counts them), <c>512MiB</c>, <c>1GiB</c> (binary), or a plain number of bytes.
    /// </summary>
    /// <exception cref="FormatException">The text is not such a size (one sentence saying why).</exception>
    public static long ParseSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ShardSize.TryParse(text, out string? problem) ?? throw new FormatException(problem);
    }

    /// <summary>True when <paramref name="path"/> names a shard index (<c>*.index.json</c>), which the writers treat as a sharded output.</summary>
    public static bool IsIndexPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ShardIndex.IsIndexPath(path);
    }

    /// <summary>Writes <paramref name="entries"/> as shards of at most <paramref name="maxShardSize"/> tensor bytes plus the index.</summary>
    /// <param name="indexPath">The index to write: <c>*.safetensors.index.json</c> or <c>*.bin.index.json</c>.</param>
    /// <param name="entries">The state dict, in the order to write it. Names must be unique.</param>
    /// <param name="maxShardSize">The most tensor bytes in one shard (a larger tensor gets a shard of its own).</param>
    /// <param name="metadata">
    /// Written as every safetensors shard's <c>__metadata__</c>, with <c>format: pt</c> added when absent (Hugging
    /// Face <c>transformers</c> requires it); dropped for <c>.bin</c> shards.
    /// </param>
    /// <returns>The shard files written, in order.</returns>
    /// <exception cref="CheckpointFormatException">The name or the state dict cannot be written; nothing was touched.</exception>
    public static IReadOnlyList<string> Write(string indexPath, IReadOnlyList<CheckpointEntry> entries, long maxShardSize = DefaultMaxShardSize,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return Write(indexPath, [.. entries.Select(e => e.Tensor)], maxShardSize, metadata);
    }

    internal static IReadOnlyList<string> Write(string indexPath, IReadOnlyList<WritableTensor> tensors, long maxShardSize,
        IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxShardSize, 1);
        (string format, string stem, string extension) = ShardIndex.Layout(indexPath);
        // Names are checked across the set; limits of one file (a .bin's member count and pickle size) per shard below.
        WritableNames.Check(indexPath, format == "safetensors" ? format : "shard set", tensors, metadata);
        List<List<WritableTensor>> groups = Split(tensors, maxShardSize);
        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath)) ?? ".";
        string[] names = [.. groups.Select((_, i) => ShardName(stem, extension, i + 1, groups.Count))];
        Dictionary<string, string>? shardMetadata = null;
        if (format == "safetensors")
        {
            shardMetadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
            shardMetadata.TryAdd("format", "pt");
        }

        List<(string Path, Action<Stream> Write)> files = [];
        for (int i = 0; i < groups.Count; i++)
        {
            string shardPath = Path.Combine(folder, names[i]);
            List<WritableTensor> group = groups[i];
            WritableNames.Check(shardPath, format, group, shardMetadata);
            if (format == "safetensors")
            {
                byte[] header = SafeTensorsWriter.Header(group, shardMetadata);
                WritableNames.CheckSafeTensorsHeader(shardPath, header.Length - 8);
                files.Add((shardPath, stream => SafeTensorsWriter.Write(stream, header, group)));
            }
            else
            {
                files.Add((shardPath, stream => PyTorchCheckpointWriter.Write(stream, group)));
            }
        }

        byte[] index = IndexJson(tensors, groups, names);
        if (index.Length > ShardIndex.MaxLength)
        {
            throw new CheckpointFormatException(indexPath, $"the shard index would be {index.Length} bytes, above the limit of {ShardIndex.MaxLength} it is read with (too many or too long tensor names)");
        }

        files.Add((Path.GetFullPath(indexPath), stream => stream.Write(index)));
        ShardSetCommit.Write(Path.GetFullPath(indexPath), stem, extension, files);
        return [.. files.SkipLast(1).Select(f => f.Path)];
    }

    /// <summary>Hugging Face's shard name: <c>model-00001-of-00003.safetensors</c>.</summary>
    internal static string ShardName(string stem, string extension, int number, int count) => $"{stem}-{number:D5}-of-{count:D5}{extension}";

    /// <summary>Tensors in order into shards of at most <paramref name="max"/> bytes; one too large for any shard gets its own.</summary>
    internal static List<List<WritableTensor>> Split(IReadOnlyList<WritableTensor> tensors, long max)
    {
        List<List<WritableTensor>> groups = [];
        List<WritableTensor> current = [];
        long size = 0;
        foreach (WritableTensor tensor in tensors)
        {
            if (current.Count > 0 && (tensor.ByteCount > max || size > max - tensor.ByteCount))
            {
                groups.Add(current);
                current = [];
                size = 0;
            }

            current.Add(tensor);
            size += tensor.ByteCount;
        }

        if (current.Count > 0 || groups.Count == 0)
        {
            groups.Add(current);
        }

        return groups;
    }

    /// <summary>The index as Hugging Face writes it: <c>metadata.total_size</c>, then <c>weight_map</c> sorted by name, indented by 2.</summary>
    private static byte[] IndexJson(IReadOnlyList<WritableTensor> tensors, List<List<WritableTensor>> groups, string[] names)
    {
        long total = 0;
        foreach (WritableTensor tensor in tensors)
        {
            total = checked(total + tensor.ByteCount);
        }

        List<(string Tensor, string Shard)> map = [.. groups.SelectMany((g, i) => g.Select(t => (t.Name, names[i])))];
        map.Sort((a, b) => CodePointOrder(a.Tensor, b.Tensor));
        using MemoryStream json = new();
        using (Utf8JsonWriter writer = new(json, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("metadata");
            writer.WriteNumber("total_size", total);
            writer.WriteEndObject();
            writer.WriteStartObject("weight_map");
            foreach (var (tensor, shard) in map)
            {
                writer.WriteString(tensor, shard);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        json.WriteByte((byte)'\n');
        return json.ToArray();
    }

    /// <summary>Python's string order (by code point), which Hugging Face's <c>sort_keys</c> uses.</summary>
    private static int CodePointOrder(string a, string b)
    {
        StringRuneEnumerator x = a.EnumerateRunes();
        StringRuneEnumerator y = b.EnumerateRunes();
        while (true)
        {
            bool moreX = x.MoveNext();
            bool moreY = y.MoveNext();
            if (!moreX || !moreY)
            {
                return moreX.CompareTo(moreY);
            }

            int order = x.Current.Value.CompareTo(y.Current.Value);
            if (order != 0)
            {
                return order;
            }
        }
    }
}
