namespace Transfer.Formats.PyTorch;

/// <summary>A global the unpickler allows, by name only: nothing is imported or called.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName { get; } = $"{Module}.{Name}";
}

/// <summary>A Python tuple.</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>
/// A Python dict or OrderedDict: insertion-ordered, and like Python a repeated key keeps its first position
/// and takes the last value.
/// </summary>
internal sealed class PickleDict
{
    private static readonly List<KeyValuePair<object, object?>> None = [];

    // Made on first use: every tensor's backward hooks are an empty OrderedDict, and there are many tensors.
    private Dictionary<object, int>? index;
    private List<KeyValuePair<object, object?>>? items;

    public IReadOnlyList<KeyValuePair<object, object?>> Items => items ?? None;

    public void Set(object key, object? value)
    {
        index ??= [];
        items ??= [];
        if (index.TryGetValue(key, out int at))
        {
            items[at] = new(key, value);
            return;
        }

        index[key] = items.Count;
        items.Add(new(key, value));
    }

    public bool TryGet(object key, out object? value)
    {
        if (index is not null && index.TryGetValue(key, out int at))
        {
            value = items![at].Value;
            return true;
        }

        value = null;
        return false;
    }
}

/// <summary>A storage named by a persistent id: <c>('storage', type, key, location, numel)</c>.</summary>
internal sealed record StorageRef(DType DType, string Key, long ElementCount);

/// <summary>A tensor rebuilt by <c>_rebuild_tensor_v2</c>: a view into a storage.</summary>
internal sealed record TensorRef(StorageRef Storage, long Offset, long[] Sizes, long[] Strides);

/// <summary>Python's None on the stack (null is reserved for "no value").</summary>
internal sealed class PickleNone
{
    public static readonly PickleNone Value = new();
}

/// <summary>The MARK placeholder.</summary>
internal sealed class PickleMark
{
    public static readonly PickleMark Value = new();
}
