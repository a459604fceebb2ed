using TorchSharp;

namespace Transfer.Formats;

/// <summary>
/// One tensor element type as every format names it: PyTorch's printed name, TorchSharp's ScalarType, the
/// safetensors code and the PyTorch storage class, so readers and writers translate through one table.
/// </summary>
internal sealed record DType(string Name, torch.ScalarType ScalarType, int Size, string SafeTensorsCode, string StorageType)
{
    /// <summary>The dtypes Transfer reads and writes, in no particular order.</summary>
    public static readonly IReadOnlyList<DType> All =
    [
        new("float32", torch.ScalarType.Float32, 4, "F32", "FloatStorage"),
        new("float16", torch.ScalarType.Float16, 2, "F16", "HalfStorage"),
        new("bfloat16", torch.ScalarType.BFloat16, 2, "BF16", "BFloat16Storage"),
        new("float64", torch.ScalarType.Float64, 8, "F64", "DoubleStorage"),
        new("int8", torch.ScalarType.Int8, 1, "I8", "CharStorage"),
        new("int16", torch.ScalarType.Int16, 2, "I16", "ShortStorage"),
        new("int32", torch.ScalarType.Int32, 4, "I32", "IntStorage"),
        new("int64", torch.ScalarType.Int64, 8, "I64", "LongStorage"),
        new("uint8", torch.ScalarType.Byte, 1, "U8", "ByteStorage"),
        new("bool", torch.ScalarType.Bool, 1, "BOOL", "BoolStorage"),
    ];

    // Looked up once per tensor by every reader and by the expansion check: dictionaries, not a scan with a closure.
    private static readonly Dictionary<string, DType> ByName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);
    private static readonly Dictionary<string, DType> BySafeTensors = All.ToDictionary(d => d.SafeTensorsCode, StringComparer.Ordinal);
    private static readonly Dictionary<string, DType> ByStorageType = All.ToDictionary(d => d.StorageType, StringComparer.Ordinal);

    public static DType? FromName(string name) => ByName.GetValueOrDefault(name);

    public static DType? FromSafeTensors(string code) => BySafeTensors.GetValueOrDefault(code);

    public static DType? FromStorageType(string storageType) => ByStorageType.GetValueOrDefault(storageType);

    public static DType? FromScalarType(torch.ScalarType type) => All.FirstOrDefault(d => d.ScalarType == type);

    /// <summary>The dtype of a live tensor, or an error naming the unsupported type.</summary>
    public static DType Of(torch.Tensor tensor, string name) =>
        FromScalarType(tensor.dtype)
        ?? throw new ArgumentException($"Tensor '{name}' has dtype {tensor.dtype}, which checkpoint files here cannot hold.");
}
