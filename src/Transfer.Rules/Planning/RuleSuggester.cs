using System.Text.RegularExpressions;

namespace Transfer.Rules.Planning;

/// <summary>
/// Finds the rules a user most likely forgot, from the keys alone: strip a leading dotted component the
/// source keys share (<c>module.</c>, <c>model.</c>…), add one the target keys share (<c>backbone.</c>…), or
/// rename one into the other. Each candidate is scored by how many target tensors would then load whole
/// (same name, same shape, one source); the best few that beat the plan as it is are suggested. Linear in the
/// number of keys for each of a bounded number of candidates.
/// </summary>
internal static class RuleSuggester
{
    private const int Components = 6;
    private const int Shown = 3;

    public static IReadOnlyList<RuleSuggestion> Suggest(MatchTable table, int loadedNow)
    {
        Dictionary<string, int> targets = new(StringComparer.Ordinal);
        for (int t = 0; t < table.Target.Count; t++)
        {
            if (!table.Excluded[t])
            {
                targets[table.Target[t].Name] = t;
            }
        }

        if (targets.Count == 0)
        {
            return [];
        }

        string[] sourceHeads = CommonHeads(table.MappedKey);
        string[] targetHeads = CommonHeads(table.Target.Select(t => t.Name));
        List<(string Rule, Func<string, string> Map, int Order)> candidates = [];
        foreach (string head in sourceHeads)
        {
            candidates.Add(($"strip_prefix: {Quote(head)}", k => k.StartsWith(head, StringComparison.Ordinal) ? k[head.Length..] : k, 0));
        }

        foreach (string head in targetHeads)
        {
            candidates.Add(($"add_prefix: {Quote(head)}", k => head + k, 1));
        }

        foreach (string from in sourceHeads.Take(Components / 2))
        {
            foreach (string to in targetHeads.Take(Components / 2).Where(to => to != from))
            {
                string regex = "^" + Regex.Escape(from[..^1]) + @"\.";
                candidates.Add(($"rename: {{ from: {Quote(regex)}, to: {Quote(to)} }}",
                    k => k.StartsWith(from, StringComparison.Ordinal) ? to + k[from.Length..] : k, 2));
            }
        }

        return candidates
            .Select(c => (c.Rule, c.Order, Loads: Score(table, targets, c.Map)))
            .Where(c => c.Loads > loadedNow)
            .OrderByDescending(c => c.Loads).ThenBy(c => c.Order).ThenBy(c => c.Rule, StringComparer.Ordinal)
            .Take(Shown)
            .Select(c => new RuleSuggestion(c.Rule, c.Loads, table.Target.Count))
            .ToArray();
    }

    /// <summary>Target tensors that one source, mapped by <paramref name="map"/>, would fill whole.</summary>
    private static int Score(MatchTable table, Dictionary<string, int> targets, Func<string, string> map)
    {
        Dictionary<int, int> sourcesPerTarget = [];
        for (int s = 0; s < table.Source.Count; s++)
        {
            if (targets.TryGetValue(map(table.MappedKey[s]), out int t) && table.Source[s].SameShape(table.Target[t]))
            {
                sourcesPerTarget[t] = sourcesPerTarget.GetValueOrDefault(t) + 1;
            }
        }

        return sourcesPerTarget.Values.Count(n => n == 1);
    }

    /// <summary>The most frequent leading dotted components (with their dot), most frequent first.</summary>
    private static string[] CommonHeads(IEnumerable<string> keys)
    {
        Dictionary<string, int> counts = new(StringComparer.Ordinal);
        foreach (string key in keys)
        {
            int dot = key.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0)
            {
                string head = key[..(dot + 1)];
                counts[head] = counts.GetValueOrDefault(head) + 1;
            }
        }

        return counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Take(Components).Select(c => c.Key).ToArray();
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
