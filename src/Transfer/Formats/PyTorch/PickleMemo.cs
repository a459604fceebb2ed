namespace Transfer.Formats.PyTorch;

/// <summary>
/// The unpickler's memo: the values PUT under slot numbers for later GETs. Pickles number slots 0, 1, 2…, so
/// those live in a list; any other slot number in a dictionary. A pickle of <c>size</c> bytes may fill at most
/// <see cref="BaseEntries"/> + one slot per <see cref="BytesPerEntry"/> bytes (torch.save spends about 11).
/// </summary>
internal sealed class PickleMemo(PicklePart part, long size)
{
    public const int BaseEntries = 10_000;
    public const int BytesPerEntry = 6;

    private readonly List<object> dense = [];
    private readonly Dictionary<long, object> sparse = [];
    private readonly long maxEntries = BaseEntries + (size / BytesPerEntry);

    /// <summary>How many slots are filled: also the slot a MEMOIZE fills next.</summary>
    public int Count => dense.Count + sparse.Count;

    public object Get(long key, long at) =>
        key < dense.Count ? dense[(int)key]
        : sparse.TryGetValue(key, out object? value) ? value
        : throw part.Error($"memo slot {key} read at offset {at} was never written");

    public void Put(long key, object value, long at)
    {
        if (key < dense.Count)
        {
            dense[(int)key] = value;
            return;
        }

        if (!sparse.ContainsKey(key) && dense.Count + sparse.Count >= maxEntries)
        {
            throw part.Error($"memo exceeds {maxEntries} entries at offset {at}, more than a pickle of {size} bytes needs");
        }

        if (key == dense.Count && !sparse.ContainsKey(key))
        {
            dense.Add(value);
        }
        else
        {
            sparse[key] = value;
        }
    }
}
