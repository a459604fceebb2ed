using System.Text.Json;
using Transfer.IO;

namespace Transfer.Formats.Sharded;

/// <summary>
/// A Hugging Face shard index (<c>model.safetensors.index.json</c>, <c>pytorch_model.bin.index.json</c>):
/// <c>{"metadata": {"total_size": N}, "weight_map": {tensor: shard file}}</c>, validated before any shard is
/// opened: an object of the right types, no name twice, and every shard a file name inside the index's folder.
/// </summary>
internal sealed record ShardIndex(string Path, long? TotalSize, IReadOnlyList<KeyValuePair<string, string>> WeightMap)
{
    /// <summary>The largest index read (as the safetensors header limit: an index of a few MB lists a huge model).</summary>
    public const long MaxLength = 100_000_000;

    private const string SafeTensorsSuffix = ".safetensors.index.json";
    private const string BinSuffix = ".bin.index.json";

    /// <summary>True when <paramref name="path"/> names a shard index (<c>*.index.json</c>).</summary>
    public static bool IsIndexPath(string path) => path.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The format of the shards an index written at <paramref name="path"/> lists (<c>safetensors</c> or
    /// <c>pytorch</c>) and the shards' name stem (<c>model</c> for <c>model.safetensors.index.json</c>).
    /// </summary>
    /// <exception cref="CheckpointFormatException">The name is not <c>*.safetensors.index.json</c> or <c>*.bin.index.json</c>.</exception>
    public static (string Format, string Stem, string Extension) Layout(string path)
    {
        string name = System.IO.Path.GetFileName(path);
        (string format, string suffix, string extension) =
            name.EndsWith(SafeTensorsSuffix, StringComparison.OrdinalIgnoreCase) ? ("safetensors", SafeTensorsSuffix, ".safetensors")
            : name.EndsWith(BinSuffix, StringComparison.OrdinalIgnoreCase) ? ("pytorch", BinSuffix, ".bin")
            : throw new CheckpointFormatException(path, "a shard index must be named *.safetensors.index.json or *.bin.index.json");
        string stem = name[..^suffix.Length];
        if (stem.Length == 0)
        {
            throw new CheckpointFormatException(path, $"a shard index needs a name before '{suffix}' (such as model{suffix})");
        }

        return (format, stem, extension);
    }

    /// <summary>The one index in <paramref name="folder"/>; a folder with none or with two is refused.</summary>
    public static string Find(string folder)
    {
        string[] found;
        try
        {
            found = [.. Directory.EnumerateFiles(folder)
                .Where(f => f.EndsWith(SafeTensorsSuffix, StringComparison.OrdinalIgnoreCase) || f.EndsWith(BinSuffix, StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointFormatException(folder, $"is a folder that cannot be listed ({e.Message})");
        }

        return found.Length switch
        {
            0 => throw new CheckpointFormatException(folder,
                "is a folder, not a checkpoint file, and holds no shard index (*.safetensors.index.json or *.bin.index.json)"),
            1 => found[0],
            _ => throw new CheckpointFormatException(folder,
                $"holds {found.Length} shard indexes ({string.Join(", ", found.Select(f => $"'{System.IO.Path.GetFileName(f)}'"))}); name the one to read"),
        };
    }

    /// <summary>Reads and validates the index at <paramref name="path"/> (shards are not opened).</summary>
    public static ShardIndex Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, "the shard index does not exist");
        }

        if (RegularFile.Problem(path) is string problem)
        {
            throw new CheckpointFormatException(path, problem);
        }

        byte[] bytes;
        using (FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            if (stream.Length > MaxLength)
            {
                throw new CheckpointFormatException(path, $"the shard index is {stream.Length} bytes, above the limit of {MaxLength}");
            }

            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
            return Parse(path, doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(path, $"the shard index is not valid UTF-8 JSON ({FirstSentence(e.Message)})");
        }
        catch (InvalidOperationException e)
        {
            throw new CheckpointFormatException(path, $"the shard index is not valid UTF-8 JSON ({FirstSentence(e.Message)})");
        }
    }

    private static ShardIndex Parse(string path, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, "the shard index is not a JSON object");
        }

        long? totalSize = null;
        List<KeyValuePair<string, string>>? weightMap = null;
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw new CheckpointFormatException(path, $"the shard index names '{property.Name}' twice");
            }

            switch (property.Name)
            {
                case "metadata":
                    totalSize = ReadMetadata(path, property.Value);
                    break;
                case "weight_map":
                    weightMap = ReadWeightMap(path, property.Value);
                    break;
            }
        }

        if (weightMap is null)
        {
            throw new CheckpointFormatException(path, "the shard index has no \"weight_map\" object");
        }

        return new ShardIndex(path, totalSize, weightMap);
    }

    private static long? ReadMetadata(string path, JsonElement metadata)
    {
        if (metadata.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, "the shard index's \"metadata\" is not an object");
        }

        long? totalSize = null;
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (JsonProperty item in metadata.EnumerateObject())
        {
            if (!seen.Add(item.Name))
            {
                throw new CheckpointFormatException(path, $"the shard index's \"metadata\" names '{item.Name}' twice");
            }

            if (item.Name == "total_size")
            {
                if (item.Value.ValueKind != JsonValueKind.Number || !item.Value.TryGetInt64(out long size) || size < 0)
                {
                    throw new CheckpointFormatException(path, "the shard index's \"total_size\" is not a non-negative integer");
                }

                totalSize = size;
            }
        }

        return totalSize;
    }

    private static List<KeyValuePair<string, string>> ReadWeightMap(string path, JsonElement map)
    {
        if (map.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, "the shard index's \"weight_map\" is not an object");
        }

        List<KeyValuePair<string, string>> entries = [];
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (JsonProperty item in map.EnumerateObject())
        {
            if (!seen.Add(item.Name))
            {
                throw new CheckpointFormatException(path, $"the shard index's \"weight_map\" names tensor '{item.Name}' twice");
            }

            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException(path, $"the shard index maps tensor '{item.Name}' to something other than a shard file name");
            }

            string shard = item.Value.GetString()!;
            if (ShardPathProblem(shard) is string problem)
            {
                throw new CheckpointFormatException(path, $"the shard index maps tensor '{item.Name}' to '{shard}', {problem}");
            }

            entries.Add(KeyValuePair.Create(item.Name, shard));
        }

        return entries;
    }

    /// <summary>Why <paramref name="shard"/> may not be opened beside the index, or null: it must stay inside the index's folder.</summary>
    private static string? ShardPathProblem(string shard)
    {
        if (shard.Length == 0)
        {
            return "an empty file name";
        }

        if (shard.Contains('\0', StringComparison.Ordinal))
        {
            return "a name with a NUL character";
        }

        if (System.IO.Path.IsPathRooted(shard) || shard.StartsWith('/') || shard.StartsWith('\\') || (shard.Length >= 2 && shard[1] == ':'))
        {
            return "an absolute path; shards must lie in the index's folder";
        }

        string[] parts = shard.Split('/', '\\');
        if (parts.Any(p => p == ".."))
        {
            return "a path that leaves the index's folder";
        }

        if (parts.Any(p => p.Length == 0 || p == "."))
        {
            return "a path with an empty or '.' segment";
        }

        if (IsIndexPath(shard))
        {
            return "another index, not a shard";
        }

        return null;
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }
}
