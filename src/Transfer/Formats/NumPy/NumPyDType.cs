using Transfer.Formats.PyTorch;

namespace Transfer.Formats.NumPy;

/// <summary>
/// A NumPy dtype as a pickle rebuilds it: <c>numpy.dtype(code, align, copy)</c> with a code such as <c>'f4'</c>,
/// then BUILD with its state <c>(3, byte order, subarray, names, fields, itemsize, alignment, flags)</c> (version 4
/// adds metadata). The codes of plain numbers map to a Transfer dtype; any other (complex, strings, objects,
/// structured records, unsigned wider than a byte) is kept so an array using it is refused by name.
/// </summary>
internal sealed class NumPyDType
{
    /// <summary>NumPy's codes for the dtypes Transfer reads (NumPy has no bfloat16).</summary>
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["f2"] = "float16",
        ["f4"] = "float32",
        ["f8"] = "float64",
        ["i1"] = "int8",
        ["i2"] = "int16",
        ["i4"] = "int32",
        ["i8"] = "int64",
        ["u1"] = "uint8",
        ["b1"] = "bool",
    };

    private DType? type;

    public NumPyDType(string code)
    {
        Code = code;
        type = Names.TryGetValue(code, out string? name) ? DType.FromName(name) : null;
    }

    /// <summary>The codes Transfer reads, for refusals.</summary>
    public static string ReadableCodes => "f2, f4, f8, i1, i2, i4, i8, u1 and b1";

    /// <summary>The code <c>numpy.dtype</c> was called with (<c>'f4'</c>).</summary>
    public string Code { get; }

    /// <summary>The Transfer dtype, or null when Transfer does not read this one.</summary>
    public DType? Type => type;

    /// <summary><c>'&lt;'</c>, <c>'&gt;'</c>, <c>'|'</c> (no order: one-byte items) or <c>'='</c> (native: little-endian here) until a BUILD says otherwise.</summary>
    public char ByteOrder { get; private set; } = '=';

    /// <summary>True when items are stored big-endian and must be byte-swapped.</summary>
    public bool BigEndian => ByteOrder == '>' && type is { Size: > 1 };

    /// <summary>The dtype as NumPy prints it (<c>&lt;c8</c>, <c>|b1</c>), for messages.</summary>
    public string Description => ByteOrder is '<' or '>' or '|' ? ByteOrder + Code : Code;

    private bool Built { get; set; }

    /// <summary>Applies the BUILD state, or returns what is wrong with it (a phrase after "dtype state at offset N").</summary>
    public string? Build(object state)
    {
        if (Built)
        {
            return "sets the state of a dtype that already has one";
        }

        if (state is not PickleTuple { Items: [long version, string order, var subarray, var names, var fields, long itemSize, long, long, ..] items }
            || !((version == 3 && items.Length == 8) || (version == 4 && items.Length == 9)))
        {
            return "is not NumPy's (version 3 or 4, byte order, subarray, names, fields, itemsize, alignment, flags) tuple";
        }

        if (order is not ("<" or ">" or "|" or "="))
        {
            return $"gives byte order '{order}', not '<', '>', '|' or '='";
        }

        Built = true;
        ByteOrder = order[0];
        if (subarray is not PickleNone || names is not PickleNone || fields is not PickleNone)
        {
            // A record or subarray dtype: its arrays are refused by name when the state dict is assembled.
            type = null;
            return null;
        }

        if (type is null)
        {
            return null;
        }

        if (itemSize != -1 && itemSize != type.Size)
        {
            return $"gives itemsize {itemSize} for '{Code}', whose items are {type.Size} bytes";
        }

        if (ByteOrder == '|' && type.Size > 1)
        {
            return $"gives no byte order ('|') for '{Code}', whose items are {type.Size} bytes";
        }

        return null;
    }
}
