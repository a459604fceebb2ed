namespace Transfer.Rules.Yaml;

/// <summary>Finds the valid name closest to a misspelt one, so errors can say "did you mean 'strip_prefix'?".</summary>
internal static class Suggest
{
    /// <summary>" (did you mean 'x'?)" for the closest name within a third of its length, else the valid names.</summary>
    public static string Hint(string given, IReadOnlyList<string> valid)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string name in valid)
        {
            int distance = Levenshtein(given.ToLowerInvariant(), name);
            if (distance < bestDistance)
            {
                best = name;
                bestDistance = distance;
            }
        }

        if (best is not null && bestDistance <= Math.Max(2, best.Length / 3))
        {
            return $"did you mean '{best}'?";
        }

        return "expected one of: " + string.Join(", ", valid) + ".";
    }

    internal static int Levenshtein(string a, string b)
    {
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
}
