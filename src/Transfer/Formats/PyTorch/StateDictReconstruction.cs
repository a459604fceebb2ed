namespace Transfer.Formats.PyTorch;

/// <summary>
/// The globals, calls and persistent ids that rebuild a <c>torch.save</c> state dict, and nothing else:
/// <c>collections.OrderedDict()</c>, <c>torch.Size</c>, the storage types a persistent id names (becoming a
/// <see cref="StorageRef"/>, one per key) and <c>_rebuild_tensor_v2</c> and the parameter rebuilds on them
/// (becoming a <see cref="TensorRef"/>). Each call is recognised only with the arguments torch.save writes
/// and turned into a record; nothing is imported or run. A legacy (pre-1.6) file's persistent ids carry a
/// sixth item, the view metadata, which must be None, and may name a whole-module save's module classes.
/// </summary>
internal sealed class StateDictReconstruction(PicklePart part, bool legacy, Dictionary<string, StorageRef> storages)
{
    private static readonly HashSet<string> Globals =
    [
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch.Size",
        .. DType.All.Select(d => "torch." + d.StorageType),
    ];

    /// <summary>True for the globals (<c>module.name</c>) a state dict is rebuilt from.</summary>
    public static bool Allows(string fullName) => Globals.Contains(fullName);

    /// <summary>The value of a REDUCE of <paramref name="callable"/> on <paramref name="args"/>, or null when these are not arguments it rebuilds from.</summary>
    public object? Reduce(PickleGlobal callable, object?[] args, long at) => callable.FullName switch
    {
        "collections.OrderedDict" when args.Length == 0 => new PickleDict(),
        "torch.Size" when args.Length == 1 && args[0] is PickleTuple size => size,
        "torch._utils._rebuild_tensor_v2" when args.Length is 6 or 7 => RebuildTensor(args, at),
        "torch._utils._rebuild_parameter" when args.Length == 3 && args[0] is TensorRef t => t,
        "torch._utils._rebuild_parameter_with_state" when args.Length == 4 && args[0] is TensorRef t => t,
        _ => null,
    };

    /// <summary>The storage (or, in a legacy whole-module save, the module class) a persistent id names.</summary>
    public object PersistentId(object pid, long at)
    {
        // A legacy whole-module save names each module class as ('module', class, source file, source): the class, as a name.
        if (legacy && pid is PickleTuple { Items: ["module", PickleGlobal moduleClass, string or PickleNone, string or PickleNone] })
        {
            return moduleClass;
        }

        if (legacy && pid is PickleTuple { Items: [string, PickleGlobal, string, string, long, var view] } && view is not PickleNone)
        {
            throw part.Error($"persistent id at offset {at} has view metadata (a storage view from PyTorch before 0.4), which Transfer does not read");
        }

        if (pid is PickleTuple { Items: [string tag, PickleGlobal type, string key, string, long numel, ..] items }
            && tag == "storage" && items.Length == (legacy ? 6 : 5))
        {
            DType dtype = type.Module == "torch" ? DType.FromStorageType(type.Name)
                ?? throw part.Error($"persistent id at offset {at} names storage type '{type.FullName}', which is not supported")
                : throw part.Error($"persistent id at offset {at} names storage type '{type.FullName}', which is not supported");
            if (numel < 0)
            {
                throw part.Error($"storage '{key}' has a negative size");
            }

            // Like torch.load, the first persistent id of a key makes the storage (its type and size); any later
            // one for the same key gets that storage whatever type it names, so its tensor has the first's dtype.
            if (!storages.TryGetValue(key, out StorageRef? storage))
            {
                storage = new(dtype, key, numel);
                storages[key] = storage;
            }

            return storage;
        }

        throw part.Error(legacy
            ? $"persistent id at offset {at} is not a ('storage', type, key, location, numel, None) tuple"
            : $"persistent id at offset {at} is not a ('storage', type, key, location, numel) tuple");
    }

    private TensorRef RebuildTensor(object?[] a, long at)
    {
        if (a[0] is not StorageRef storage || a[1] is not long offset || a[2] is not PickleTuple size || a[3] is not PickleTuple stride
            || size.Items.Length != stride.Items.Length || size.Items.Length > 64)
        {
            throw part.Error($"_rebuild_tensor_v2 at offset {at} has malformed arguments");
        }

        long[] sizes = new long[size.Items.Length];
        long[] strides = new long[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            if (size.Items[i] is not long s || stride.Items[i] is not long st || s < 0 || st < 0)
            {
                throw part.Error($"_rebuild_tensor_v2 at offset {at} has a size or stride that is not a non-negative integer");
            }

            sizes[i] = s;
            strides[i] = st;
        }

        if (offset < 0)
        {
            throw part.Error($"_rebuild_tensor_v2 at offset {at} has a negative storage offset");
        }

        return new TensorRef(storage, offset, sizes, strides);
    }
}
