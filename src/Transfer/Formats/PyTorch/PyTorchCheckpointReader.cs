using System.Globalization;
using Transfer.Rules;

namespace Transfer.Formats.PyTorch;

/// <summary>
/// Reads a <c>torch.save</c> zip: the directory, then <c>data.pkl</c> through the allowlist unpickler, then
/// finds the state dict (the top level, or a training checkpoint's <c>state_dict</c>, <c>model_state_dict</c>,
/// <c>model</c> or <c>module</c> entry) and maps every tensor to its storage member by offset, size and
/// stride. The state dict may also be a whole pickled <c>torch.nn.Module</c> (<c>torch.save(model)</c>,
/// walked by <see cref="ModuleStateDict"/>) or, in a TorchScript archive (one with <c>constants.pkl</c> or
/// <c>code/</c>), a <c>__torch__</c> module (<see cref="TorchScriptStateDict"/>). No storage bytes are read here.
/// </summary>
internal static class PyTorchCheckpointReader
{
    /// <summary>The largest data.pkl read (1 GiB); the writer stays within it.</summary>
    public const long MaxPickle = 1L << 30;

    private static readonly string[] StateDictKeys = ["state_dict", "model_state_dict", "model", "module"];

    public static Checkpoint Read(TensorFile file, string? stateDictKey)
    {
        string path = file.Path;
        var (members, folder) = ZipDirectory.Read(file);
        if (!members.TryGetValue("data.pkl", out ZipMember? pickle))
        {
            throw new CheckpointFormatException(path, $"zip archive has no '{folder}/data.pkl', so it is not a torch.save file");
        }

        if (members.TryGetValue("byteorder", out ZipMember? order) && order.Size <= 16
            && System.Text.Encoding.ASCII.GetString(ReadMember(file, order)).Trim() != "little")
        {
            throw new CheckpointFormatException(path, "big-endian torch.save files are not supported");
        }

        if (pickle.Size > MaxPickle)
        {
            throw new CheckpointFormatException(path, $"data.pkl is {pickle.Size} bytes, above the 1 GiB limit");
        }

        // data.pkl is read through a bounded window, never whole, by a parser that refuses any hostile claim on
        // its own; its CRC-32 is then checked, streamed, before anything it describes is used.
        SortedSet<string> classes = new(StringComparer.Ordinal);
        object root = Unpickler.Load(path, new PickleInput(file, pickle.DataOffset, pickle.Size), classes);
        new RecordedCrc(file, "zip member", pickle.Name, pickle.DataOffset, pickle.Size, pickle.Crc).Verify();
        Dictionary<string, StorageBlock> blocks = new(StringComparer.Ordinal);
        // Storage members are looked up as "data/" + key without building that string for each of them.
        Dictionary<string, ZipMember>.AlternateLookup<ReadOnlySpan<char>> byName = members.GetAlternateLookup<ReadOnlySpan<char>>();
        char[] lookup = new char[64];
        TorchScriptCode? code = members.ContainsKey("constants.pkl") || members.Keys.Any(k => k.StartsWith("code/", StringComparison.Ordinal))
            ? new TorchScriptCode(file, members)
            : null;
        return Assemble(file, root, "data.pkl", stateDictKey, classes, code, (name, key) =>
        {
            if (blocks.TryGetValue(key, out StorageBlock? block))
            {
                return block;
            }

            if (lookup.Length < "data/".Length + key.Length)
            {
                lookup = new char["data/".Length + key.Length];
            }

            "data/".CopyTo(lookup);
            key.CopyTo(lookup.AsSpan("data/".Length));
            if (!byName.TryGetValue(lookup.AsSpan(0, "data/".Length + key.Length), out ZipMember? member))
            {
                throw new CheckpointFormatException(path, $"tensor '{name}' needs storage '{folder}/data/{key}', which the archive does not contain");
            }

            return blocks[key] = new StorageBlock("storage member", member.Name, member.DataOffset, member.Size,
                new RecordedCrc(file, "storage member", member.Name, member.DataOffset, member.Size, member.Crc));
        });
    }

    /// <summary>Reads a small member whole (a header-sized one: data.pkl, byteorder) and checks its CRC-32.</summary>
    internal static byte[] ReadMember(TensorFile file, ZipMember member)
    {
        byte[] bytes = file.ReadBytes(member.DataOffset, (int)member.Size);
        new RecordedCrc(file, "zip member", member.Name, member.DataOffset, member.Size, member.Crc)
            .Check(System.IO.Hashing.Crc32.HashToUInt32(bytes));
        return bytes;
    }

    /// <summary>
    /// Finds the state dict in an unpickled root object and maps each of its tensors onto the bytes of its
    /// storage, which <paramref name="locate"/> finds (from a tensor's name and storage key) or refuses.
    /// Shared by the zip and the legacy layouts, which differ only in where storages live. <paramref name="classes"/>
    /// are the classes the pickle made stand-ins of; <paramref name="code"/> is a TorchScript archive's code/.
    /// </summary>
    internal static Checkpoint Assemble(TensorFile file, object root, string pickleName, string? stateDictKey, IReadOnlyCollection<string> classes,
        TorchScriptCode? code, Func<string, string, StorageBlock> locate)
    {
        string path = file.Path;
        PickleDict? top = root as PickleDict;
        string? key = null;
        string container = Checkpoint.StateDictContainer;
        List<KeyValuePair<string, TensorRef>> entries;
        if (code is not null || root is PickleObject)
        {
            if (root is not PickleObject module || (code is null && !ModuleStateDict.IsModule(module)))
            {
                throw new CheckpointFormatException(path, $"{pickleName} holds {Unpickler.TypeName(root)}, {(code is null
                    ? "which is not a torch.nn.Module (no _parameters, _buffers and _modules dicts)"
                    : "not a TorchScript module")}, so it has no state dict to read; save a state dict instead: torch.save(model.state_dict(), f)");
            }

            container = code is null ? $"module pickle of {module.Class.FullName}" : $"TorchScript module {module.Class.FullName}";
            if (stateDictKey is not null)
            {
                throw new CheckpointFormatException(path, $"--key '{stateDictKey}' applies only to checkpoint dicts, but this file holds a {container}");
            }

            entries = code is null ? ModuleStateDict.Walk(path, module) : TorchScriptStateDict.Walk(path, module, code);
        }
        else if (top is not null)
        {
            (object stateDict, key) = FindStateDict(path, top, stateDictKey);
            if (stateDict is PickleObject module)
            {
                container = $"module pickle of {module.Class.FullName}";
                entries = ModuleStateDict.Walk(path, module);
            }
            else
            {
                entries = [];
                foreach (var (name, value) in ((PickleDict)stateDict).Items)
                {
                    if (value is TensorRef tensor)
                    {
                        entries.Add(new(name as string ?? throw new CheckpointFormatException(path, "the state dict has a tensor under a key that is not a string"), tensor));
                    }
                }
            }
        }
        else
        {
            throw new CheckpointFormatException(path, $"{pickleName} does not hold a dict, so it is not a state dict or checkpoint dict");
        }

        List<CheckpointTensor> tensors = new(entries.Count);
        foreach (var (name, tensor) in entries)
        {
            tensors.Add(Tensor(file, locate(name, tensor.Storage.Key), name, tensor));
        }

        Dictionary<string, string> metadata = new(StringComparer.Ordinal);
        foreach (var (name, value) in top?.Items ?? [])
        {
            if (name is string text && Scalar(value) is string scalar)
            {
                metadata[text] = scalar;
            }
        }

        return new Checkpoint(path, "pytorch", key, metadata, tensors, file, container, [.. classes]);
    }

    private static (object StateDict, string? Key) FindStateDict(string path, PickleDict top, string? requested) =>
        FindStateDict(path, top, requested, static value => value is TensorRef, StateDictKeys);

    /// <summary>
    /// The state dict of a checkpoint dict: the entry <paramref name="requested"/> names, else the top level when
    /// it holds a tensor (<paramref name="isTensor"/>) or nothing, else the first of <paramref name="keys"/> that
    /// holds a dict or a module stand-in; otherwise a refusal listing the keys there are.
    /// </summary>
    internal static (object StateDict, string? Key) FindStateDict(string path, PickleDict top, string? requested,
        Func<object?, bool> isTensor, IReadOnlyList<string> keys)
    {
        if (requested is not null)
        {
            if (top.TryGet(requested, out object? chosen) && (chosen is PickleDict || ModuleStateDict.IsModule(chosen)))
            {
                return (chosen!, requested);
            }

            throw new CheckpointFormatException(path, top.TryGet(requested, out _)
                ? $"key '{requested}' does not hold a state dict"
                : $"key '{requested}' not found; available keys: {AvailableKeys(top)}");
        }

        if (top.Items.Count == 0 || top.Items.Any(i => isTensor(i.Value)))
        {
            return (top, null);
        }

        foreach (string key in keys)
        {
            if (top.TryGet(key, out object? value) && (value is PickleDict || ModuleStateDict.IsModule(value)))
            {
                return (value!, key);
            }
        }

        throw new CheckpointFormatException(path,
            $"no state dict found: no tensors at the top level and no {string.Join(", ", keys.SkipLast(1).Select(k => $"'{k}'"))} or '{keys[^1]}' entry; available keys: {AvailableKeys(top)} (choose one with --key)");
    }

    private static string AvailableKeys(PickleDict top) =>
        string.Join(", ", top.Items.Select(i => i.Key is string s ? $"'{s}'" : Convert.ToString(i.Key, CultureInfo.InvariantCulture)));

    private static CheckpointTensor Tensor(TensorFile file, StorageBlock member, string name, TensorRef t)
    {
        string path = file.Path;
        DType dtype = t.Storage.DType;

        long bytes = TensorShape.ByteCount(path, name, dtype, t.Sizes);
        long count = bytes / dtype.Size;
        long storageBytes;
        long last = t.Offset;
        try
        {
            storageBytes = checked(t.Storage.ElementCount * dtype.Size);
            for (int d = 0; d < t.Sizes.Length; d++)
            {
                last = checked(last + (Math.Max(t.Sizes[d] - 1, 0) * t.Strides[d]));
            }
        }
        catch (OverflowException)
        {
            throw new CheckpointFormatException(path, $"tensor '{name}' has a storage size, offset or strides whose arithmetic overflows 64 bits");
        }

        if (member.Size < storageBytes)
        {
            throw new CheckpointFormatException(path, $"{member.Description} has {member.Size} bytes but tensor '{name}' needs a storage of {storageBytes}");
        }

        if (count > 0 && last >= t.Storage.ElementCount)
        {
            throw new CheckpointFormatException(path,
                $"tensor '{name}' (offset {t.Offset}, size {TensorSpec.FormatShape(t.Sizes)}, stride {TensorSpec.FormatShape(t.Strides)}) runs past its storage of {t.Storage.ElementCount} elements");
        }

        TensorSpec spec = new(name, dtype.Name, t.Sizes);
        // Every tensor carries its storage member's recorded CRC: the member is checked before any of its
        // bytes are used, and a tensor that is the whole member passes the checked CRC on to a .pt writer.
        TensorSource source = IsContiguous(t.Sizes, t.Strides) || count == 0
            ? new ContiguousSource(file, member.DataOffset + (count == 0 ? 0 : t.Offset * dtype.Size), bytes, count == 0 ? null : member.Crc)
            : new StridedSource(file, member.DataOffset, dtype.Size, t.Offset, t.Sizes, t.Strides, member.Crc);
        return new CheckpointTensor(spec, source);
    }

    private static bool IsContiguous(long[] sizes, long[] strides)
    {
        long expected = 1;
        for (int d = sizes.Length - 1; d >= 0; d--)
        {
            if (sizes[d] != 1 && strides[d] != expected)
            {
                return false;
            }

            expected *= sizes[d];
        }

        return true;
    }

    /// <summary>A scalar as Python prints it (<c>7</c>, <c>0.1</c>, <c>True</c>), or null for anything else.</summary>
    internal static string? Scalar(object? value) => value switch
    {
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => PythonFloat(d),
        string s => s,
        _ => null,
    };

    private static string PythonFloat(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        string text = d.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
        return text.Contains('.') || text.Contains('e') ? text : text + ".0";
    }
}
