using Transfer.Rules;

namespace Transfer.FineTuning.Config;

/// <summary>Finds the valid name a misspelt one most likely meant, for "did you mean" hints.</summary>
internal static class ClosestName
{
    /// <summary>The candidate within a small edit distance of <paramref name="typed"/>, or null.</summary>
    public static string? Find(string typed, IEnumerable<string> candidates) =>
        NameSuggestion.Closest(typed, candidates, Math.Max(2, typed.Length / 3));

    /// <summary>A "; did you mean 'x'?" suffix, or nothing when no candidate is close.</summary>
    public static string Hint(string typed, IEnumerable<string> candidates) =>
        Find(typed, candidates) is { } best ? $"; did you mean '{best}'?" : string.Empty;
}
