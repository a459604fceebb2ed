namespace Transfer.Rules;

/// <summary>How rules quote their arguments in descriptions.</summary>
internal static class RuleText
{
    public static string Patterns(IReadOnlyList<string> patterns) =>
        patterns.Count == 1 ? $"'{patterns[0]}'" : "[" + string.Join(", ", patterns.Select(p => $"'{p}'")) + "]";

    public static int Hash(IReadOnlyList<string> patterns)
    {
        HashCode hash = default;
        foreach (string pattern in patterns)
        {
            hash.Add(pattern, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    public static string Name(ShapePolicy policy) => policy switch
    {
        ShapePolicy.Skip => "skip",
        ShapePolicy.Error => "error",
        ShapePolicy.Slice => "slice",
        _ => "adapt_channels",
    };

    public static string Name(DTypePolicy policy) => policy == DTypePolicy.Cast ? "cast" : "error";

    public static string Name(MatchStrategy strategy) => strategy switch
    {
        MatchStrategy.Name => "name",
        MatchStrategy.Suffix => "suffix",
        _ => "structural",
    };
}
