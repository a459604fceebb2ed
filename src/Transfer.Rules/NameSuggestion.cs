namespace Transfer.Rules;

/// <summary>
/// Picks the valid name a misspelt one most likely meant, so errors anywhere in Transfer — rule files,
/// run configs, model names, freeze patterns — can say "did you mean 'x'?" and rank candidates the same way.
/// </summary>
public static class NameSuggestion
{
    /// <summary>
    /// The Levenshtein distance between <paramref name="a"/> and <paramref name="b"/>: how many single-character
    /// insertions, deletions or substitutions turn one into the other. Characters compare ordinally, so case counts.
    /// </summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>
    /// The candidate nearest to <paramref name="typed"/>, ignoring case; on a tie the one that comes first in
    /// <paramref name="candidates"/>, so callers choose the tie-break by the order they pass.
    /// </summary>
    /// <param name="typed">The name as the user wrote it.</param>
    /// <param name="candidates">The valid names.</param>
    /// <param name="distance">The case-insensitive <see cref="Distance"/> to the returned candidate; <see cref="int.MaxValue"/> when there is none.</param>
    /// <returns>The nearest candidate, or null when <paramref name="candidates"/> is empty.</returns>
    public static string? Closest(string typed, IEnumerable<string> candidates, out int distance)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(candidates);
        string lowered = typed.ToLowerInvariant();
        string? best = null;
        distance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int d = Distance(lowered, candidate.ToLowerInvariant());
            if (d < distance)
            {
                best = candidate;
                distance = d;
            }
        }

        return best;
    }

    /// <summary>
    /// The candidate nearest to <paramref name="typed"/> as <see cref="Closest(string, IEnumerable{string}, out int)"/>
    /// finds it, or null when none is within <paramref name="maxDistance"/> edits — a guess too far off misleads.
    /// </summary>
    public static string? Closest(string typed, IEnumerable<string> candidates, int maxDistance) =>
        Closest(typed, candidates, out int distance) is { } best && distance <= maxDistance ? best : null;

    /// <summary>
    /// The name to offer in a "did you mean 'x'?": the nearest candidate within a third of
    /// <paramref name="typed"/>'s length (at least 2 edits), or null when none is that close. Every "did you
    /// mean" in Transfer goes through this one threshold, so hints are equally trustworthy everywhere.
    /// </summary>
    public static string? Suggest(string typed, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(typed);
        return Closest(typed, candidates, Math.Max(2, typed.Length / 3));
    }
}
