namespace Transfer.Rules.Planning;

/// <summary>
/// The <c>structural</c> fallback: open targets and free sources are grouped by shape, and within a shape
/// paired in order when their counts agree, so a renamed container (<c>moon.0 … moon.11</c>) lines up with
/// <c>conv.*</c>/<c>fc.*</c>. When the counts differ the order cannot say which pairs belong together, so the
/// targets stay <c>ambiguous</c> with the free sources of their shape as candidates.
/// </summary>
internal static class StructuralMatcher
{
    public static void Run(MatchTable table)
    {
        Dictionary<string, (List<int> Targets, List<int> Sources)> byShape = new(StringComparer.Ordinal);
        for (int t = 0; t < table.Target.Count; t++)
        {
            if (table.IsOpen(t))
            {
                Group(byShape, table.Target[t]).Targets.Add(t);
            }
        }

        if (byShape.Count == 0)
        {
            return;
        }

        for (int s = 0; s < table.Source.Count; s++)
        {
            if (!table.SourceTaken[s] && byShape.TryGetValue(ShapeKey(table.Source[s]), out var group))
            {
                group.Sources.Add(s);
            }
        }

        foreach ((List<int> targets, List<int> sources) in byShape.Values)
        {
            if (sources.Count == 0)
            {
                continue;
            }

            if (sources.Count == targets.Count)
            {
                for (int i = 0; i < targets.Count; i++)
                {
                    table.Take(targets[i], sources[i], "structural");
                }
            }
            else
            {
                foreach (int t in targets)
                {
                    table.Ambiguous[t] = sources;
                }
            }
        }
    }

    private static (List<int> Targets, List<int> Sources) Group(
        Dictionary<string, (List<int> Targets, List<int> Sources)> byShape, TensorSpec spec)
    {
        string key = ShapeKey(spec);
        if (!byShape.TryGetValue(key, out var group))
        {
            group = ([], []);
            byShape[key] = group;
        }

        return group;
    }

    private static string ShapeKey(TensorSpec spec) => string.Join(',', spec.Shape);
}
