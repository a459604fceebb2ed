namespace Transfer.Formats.Sharded;

/// <summary>
/// Opens a Hugging Face sharded checkpoint: the index, then every shard it names through
/// <see cref="CheckpointReader"/> (headers only), and checks that the index and the shards agree exactly:
/// each tensor in exactly one shard, the one the index names, no shard tensor missing from the index, and
/// <c>total_size</c> equal to the tensors' bytes. The result reads each tensor from its own shard.
/// </summary>
internal static class ShardedCheckpointReader
{
    /// <summary>True when <paramref name="path"/> is a shard index or a folder (which must then hold one).</summary>
    public static bool Handles(string path) => Directory.Exists(path) || ShardIndex.IsIndexPath(path);

    public static Checkpoint Open(string path, string? stateDictKey, bool allowExpansion)
    {
        string indexPath = Directory.Exists(path) ? ShardIndex.Find(path) : path;
        if (stateDictKey is not null)
        {
            throw new CheckpointFormatException(indexPath, $"--key '{stateDictKey}' applies only to PyTorch checkpoint dicts, but this is a sharded checkpoint whose shards hold bare state dicts");
        }

        (string format, _, _) = ShardIndex.Layout(indexPath);
        ShardIndex index = ShardIndex.Read(indexPath);
        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath)) ?? ".";
        string[] shardNames = [.. index.WeightMap.Select(e => e.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        List<Checkpoint> shards = new(shardNames.Length);
        try
        {
            foreach (string name in shardNames)
            {
                string shardPath = Path.Combine(folder, name);
                if (!File.Exists(shardPath))
                {
                    string tensor = index.WeightMap.First(e => e.Value == name).Key;
                    throw new CheckpointFormatException(indexPath, $"the shard index maps tensor '{tensor}' to '{name}', which does not exist");
                }

                Checkpoint shard = CheckpointReader.Open(shardPath, null, allowExpansion);
                shards.Add(shard);
                if (shard.Format != format)
                {
                    throw new CheckpointFormatException(indexPath, $"shard '{name}' is a {shard.Format} file, but a {Path.GetFileName(indexPath)} lists {format} shards");
                }
            }

            return Assemble(indexPath, format, index, shardNames, shards);
        }
        catch
        {
            shards.ForEach(s => s.Dispose());
            throw;
        }
    }

    private static Checkpoint Assemble(string indexPath, string format, ShardIndex index, string[] shardNames, List<Checkpoint> shards)
    {
        Dictionary<string, string> holder = new(StringComparer.Ordinal);
        List<CheckpointTensor> tensors = [];
        long total = 0;
        for (int s = 0; s < shards.Count; s++)
        {
            foreach (CheckpointTensor tensor in shards[s].Tensors)
            {
                if (!holder.TryAdd(tensor.Spec.Name, shardNames[s]))
                {
                    throw new CheckpointFormatException(indexPath, $"tensor '{tensor.Spec.Name}' is in two shards, '{holder[tensor.Spec.Name]}' and '{shardNames[s]}'");
                }

                tensors.Add(tensor);
                total = checked(total + tensor.ByteCount);
            }
        }

        Dictionary<string, string> mapped = new(StringComparer.Ordinal);
        foreach (var (name, shard) in index.WeightMap)
        {
            mapped[name] = shard;
            if (!holder.TryGetValue(name, out string? actual))
            {
                throw new CheckpointFormatException(indexPath, $"the shard index maps tensor '{name}' to '{shard}', but no shard holds it");
            }

            if (actual != shard)
            {
                throw new CheckpointFormatException(indexPath, $"the shard index maps tensor '{name}' to '{shard}', but it is in '{actual}'");
            }
        }

        foreach (CheckpointTensor tensor in tensors)
        {
            if (!mapped.ContainsKey(tensor.Spec.Name))
            {
                throw new CheckpointFormatException(indexPath, $"shard '{holder[tensor.Spec.Name]}' holds tensor '{tensor.Spec.Name}', which the index's weight_map does not list");
            }
        }

        if (index.TotalSize is long declared && declared != total && declared != StorageBytes(tensors))
        {
            long storages = StorageBytes(tensors);
            throw new CheckpointFormatException(indexPath, storages == total
                ? $"the shard index's total_size is {declared} bytes, but the shards' tensors hold {total}"
                : $"the shard index's total_size is {declared} bytes, but the shards' tensors hold {total} ({storages} counting each shared storage once)");
        }

        return new Checkpoint(indexPath, format, null, CommonMetadata(shards), tensors, new ShardFiles(shards)) { Shards = shardNames };
    }

    /// <summary>
    /// The bytes of the tensors' distinct storages: huggingface_hub's splitter counts a storage several tensors
    /// share (tied weights in a <c>.bin</c> set) once and a storage at its full size, where older
    /// <c>transformers</c> summed every tensor; an index written either way is accepted.
    /// </summary>
    private static long StorageBytes(List<CheckpointTensor> tensors)
    {
        HashSet<RecordedCrc> seen = new(ReferenceEqualityComparer.Instance);
        long total = 0;
        foreach (CheckpointTensor tensor in tensors)
        {
            if (tensor.Storage is not RecordedCrc storage)
            {
                total = checked(total + tensor.ByteCount);
            }
            else if (seen.Add(storage))
            {
                total = checked(total + storage.Length);
            }
        }

        return total;
    }

    /// <summary>The metadata entries every shard carries with the same value (safetensors shards repeat <c>format: pt</c>).</summary>
    private static Dictionary<string, string> CommonMetadata(List<Checkpoint> shards)
    {
        Dictionary<string, string> common = new(StringComparer.Ordinal);
        if (shards.Count == 0)
        {
            return common;
        }

        foreach (var (key, value) in shards[0].Metadata)
        {
            if (shards.All(s => s.Metadata.TryGetValue(key, out string? other) && other == value))
            {
                common[key] = value;
            }
        }

        return common;
    }

    /// <summary>The open shards of one checkpoint, closed together.</summary>
    private sealed class ShardFiles(List<Checkpoint> shards) : IDisposable
    {
        public void Dispose() => shards.ForEach(s => s.Dispose());
    }
}
