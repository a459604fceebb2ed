using TorchSharp;
using Transfer.Rules;

namespace Transfer.Models;

/// <summary>
/// Describes a live model's state dict as <see cref="TensorSpec"/>s, so a model can be the target (or the
/// source) of a plan without writing it to a file first.
/// </summary>
public static class ModelSpecs
{
    /// <summary>Every parameter and persistent buffer of <paramref name="model"/>, in PyTorch's state-dict order (see <see cref="StateDictOrder"/>).</summary>
    public static IReadOnlyList<TensorSpec> Of(torch.nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return StateDictOrder.Entries(model).Select(kv => new TensorSpec(kv.Key, DTypeName(kv.Value.dtype), kv.Value.shape)).ToArray();
    }

    /// <summary>The dtype name as PyTorch prints it without <c>torch.</c> (<c>float32</c>, <c>int64</c>, <c>bool</c>…).</summary>
    public static string DTypeName(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => "float32",
        torch.ScalarType.Float16 => "float16",
        torch.ScalarType.BFloat16 => "bfloat16",
        torch.ScalarType.Float64 => "float64",
        torch.ScalarType.Int8 => "int8",
        torch.ScalarType.Int16 => "int16",
        torch.ScalarType.Int32 => "int32",
        torch.ScalarType.Int64 => "int64",
        torch.ScalarType.Byte => "uint8",
        torch.ScalarType.Bool => "bool",
        torch.ScalarType.ComplexFloat32 => "complex64",
        torch.ScalarType.ComplexFloat64 => "complex128",
        _ => type.ToString().ToLowerInvariant(),
    };
}
