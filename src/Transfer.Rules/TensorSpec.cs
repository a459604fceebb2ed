namespace Transfer.Rules;

/// <summary>
/// What the planner knows about one tensor: its state-dict name, its dtype as PyTorch prints it without
/// <c>torch.</c> (<c>float32</c>, <c>bfloat16</c>, <c>int64</c>, <c>bool</c>…) and its shape. Specs are read
/// from headers alone, so a plan never needs tensor bytes.
/// </summary>
/// <param name="Name">The state-dict key, e.g. <c>fc.5.weight</c>.</param>
/// <param name="DType">The dtype name as PyTorch prints it without the <c>torch.</c> prefix.</param>
/// <param name="Shape">The sizes of each dimension; empty for a 0-dim tensor.</param>
public sealed record TensorSpec(string Name, string DType, IReadOnlyList<long> Shape)
{
    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a 0-dim tensor).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long size in Shape)
            {
                count = checked(count * size);
            }

            return count;
        }
    }

    /// <summary>True when <paramref name="other"/> has exactly the same sizes.</summary>
    public bool SameShape(TensorSpec other) => Shape.SequenceEqual(other.Shape);

    /// <summary>Formats the shape as PyTorch users read it: <c>[10, 84]</c>.</summary>
    public static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <inheritdoc />
    public bool Equals(TensorSpec? other) =>
        other is not null && Name == other.Name && DType == other.DType && SameShape(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        HashCode hash = default;
        hash.Add(Name);
        hash.Add(DType);
        foreach (long size in Shape)
        {
            hash.Add(size);
        }

        return hash.ToHashCode();
    }
}
