namespace Transfer.Rules.Planning;

/// <summary>
/// The <c>suffix</c> fallback, detectron2-style: an open target takes the unique free source of the same
/// shape whose renamed key shares the longest dotted suffix with it (at least the last component). Ties, and
/// one source being the best for two targets, leave the targets <c>ambiguous</c> instead of guessing. Linear:
/// every dotted suffix of every free source key, prefixed by its shape,
/// goes into one dictionary.
/// </summary>
internal static class SuffixMatcher
{
    public static void Run(MatchTable table)
    {
        Dictionary<string, List<int>> bySuffix = new(StringComparer.Ordinal);
        for (int s = 0; s < table.Source.Count; s++)
        {
            if (table.SourceTaken[s])
            {
                continue;
            }

            string key = table.MappedKey[s];
            string shape = ShapeKey(table.Source[s]);
            for (int start = 0; start >= 0; start = NextComponent(key, start))
            {
                string suffix = shape + key[start..];
                if (!bySuffix.TryGetValue(suffix, out List<int>? list))
                {
                    list = [];
                    bySuffix[suffix] = list;
                }

                list.Add(s);
            }
        }

        if (bySuffix.Count == 0)
        {
            return;
        }

        Dictionary<int, int> proposal = [];
        Dictionary<int, int> proposalsPerSource = [];
        for (int t = 0; t < table.Target.Count; t++)
        {
            if (!table.IsOpen(t))
            {
                continue;
            }

            string key = table.Target[t].Name;
            string shape = ShapeKey(table.Target[t]);
            for (int start = 0; start >= 0; start = NextComponent(key, start))
            {
                if (!bySuffix.TryGetValue(shape + key[start..], out List<int>? fitting))
                {
                    continue;
                }

                if (fitting.Count == 1)
                {
                    proposal[t] = fitting[0];
                    proposalsPerSource[fitting[0]] = proposalsPerSource.GetValueOrDefault(fitting[0]) + 1;
                    break;
                }

                if (fitting.Count > 1)
                {
                    table.Ambiguous[t] = fitting;
                    break;
                }
            }
        }

        foreach ((int t, int s) in proposal.OrderBy(p => p.Key))
        {
            if (proposalsPerSource[s] == 1)
            {
                table.Take(t, s, RuleKind.Suffix);
            }
            else
            {
                table.Ambiguous[t] = [s];
            }
        }
    }

    /// <summary>Suffixes are keyed with the shape in front, so only same-shape sources are ever compared.</summary>
    private static string ShapeKey(TensorSpec spec) => "[" + string.Join(',', spec.Shape) + "]";

    /// <summary>The start of the next shorter dotted suffix, or -1 after the last component.</summary>
    private static int NextComponent(string key, int start)
    {
        int dot = key.IndexOf('.', start);
        return dot < 0 ? -1 : dot + 1;
    }
}
