namespace Transfer.Models;

/// <summary>
/// One constructor argument of a module from a user assembly, as text: a single value (<c>classes: 5</c>,
/// <c>--target-option classes=5</c>) or a list (<c>sizes: [16, 8]</c>). It is converted to the parameter's
/// type only when the constructor is chosen, so the message of a bad value can name the parameter and its type.
/// </summary>
public sealed class ModelArgument
{
    private ModelArgument(string? text, IReadOnlyList<string>? items)
    {
        Text = text;
        Items = items;
    }

    /// <summary>The value as written, for a single value; null for a list.</summary>
    public string? Text { get; }

    /// <summary>The items as written, for a list; null for a single value.</summary>
    public IReadOnlyList<string>? Items { get; }

    /// <summary>A single value.</summary>
    public static ModelArgument Scalar(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ModelArgument(text, null);
    }

    /// <summary>A list of values (for array parameters).</summary>
    public static ModelArgument List(IReadOnlyList<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new ModelArgument(null, items.ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => Items is null ? Text! : $"[{string.Join(", ", Items)}]";
}
