namespace Transfer.Rules.Planning;

/// <summary>
/// The <c>suffix</c> fallback, detectron2-style: an open target takes the unique free source of the same
/// shape whose renamed key shares the longest dotted suffix with it (at least the last component). Ties, and
/// one source being the best for two targets, leave the targets <c>ambiguous</c> instead of guessing. Linear
/// in the total length of the keys: free sources go into a <see cref="SuffixTree"/> keyed by shape, and each
/// target walks it once.
/// </summary>
internal static class SuffixMatcher
{
    public static void Run(MatchTable table)
    {
        SuffixTree tree = new();
        for (int s = 0; s < table.Source.Count; s++)
        {
            if (!table.SourceTaken[s])
            {
                tree.Add(ShapeKey(table.Source[s]), table.MappedKey[s], s);
            }
        }

        if (tree.IsEmpty)
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

            List<int> fitting = tree.LongestSuffixMatches(ShapeKey(table.Target[t]), table.Target[t].Name);
            if (fitting.Count == 1)
            {
                proposal[t] = fitting[0];
                proposalsPerSource[fitting[0]] = proposalsPerSource.GetValueOrDefault(fitting[0]) + 1;
            }
            else if (fitting.Count > 1)
            {
                table.Ambiguous[t] = fitting;
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

    private static string ShapeKey(TensorSpec spec) => string.Join(',', spec.Shape);
}
