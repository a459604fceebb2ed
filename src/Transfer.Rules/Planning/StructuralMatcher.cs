namespace Transfer.Rules.Planning;

/// <summary>
/// The <c>structural</c> fallback, which pairs only what the names and shapes leave no doubt about. Open
/// targets and free sources are grouped by (shape, dtype, leaf name such as <c>weight</c> or
/// <c>running_mean</c>). A group with one target and one source pairs. A group with as many sources as targets
/// pairs the k-th module with the k-th only when every module on each side has the same name up to its
/// numbers (<c>moon.0 … moon.11</c>, <c>conv.0 … conv.3</c>), ordered by those numbers, never by the order a
/// file lists its keys. Every pair must also keep modules whole: one source module feeds one target module.
/// Anything else stays <c>ambiguous</c> with its candidates, so a checkpoint listed alphabetically can never
/// pair <c>bn.weight</c> with <c>old.bn.bias</c>.
/// </summary>
internal static class StructuralMatcher
{
    public static void Run(MatchTable table)
    {
        Dictionary<string, (List<int> Targets, List<int> Sources)> groups = new(StringComparer.Ordinal);
        for (int t = 0; t < table.Target.Count; t++)
        {
            if (table.IsOpen(t))
            {
                TensorSpec target = table.Target[t];
                string key = GroupKey(target, target.Name);
                if (!groups.TryGetValue(key, out var group))
                {
                    group = ([], []);
                    groups[key] = group;
                }

                group.Targets.Add(t);
            }
        }

        if (groups.Count == 0)
        {
            return;
        }

        for (int s = 0; s < table.Source.Count; s++)
        {
            if (!table.SourceTaken[s] && groups.TryGetValue(GroupKey(table.Source[s], table.MappedKey[s]), out var group))
            {
                group.Sources.Add(s);
            }
        }

        List<(int Target, int Source, List<int> Candidates)> pairs = [];
        foreach ((List<int> targets, List<int> sources) in groups.Values)
        {
            if (sources.Count == 0)
            {
                continue;
            }

            sources.Sort((a, b) => string.CompareOrdinal(table.Source[a].Name, table.Source[b].Name));
            if (Align(table, targets, sources) is { } aligned)
            {
                pairs.AddRange(aligned.Select(p => (p.Target, p.Source, sources)));
            }
            else
            {
                foreach (int t in targets)
                {
                    table.Ambiguous[t] = sources;
                }
            }
        }

        KeepModulesWhole(table, pairs);
    }

    /// <summary>The group's pairs when they are unambiguous, else null.</summary>
    private static List<(int Target, int Source)>? Align(MatchTable table, List<int> targets, List<int> sources)
    {
        if (targets.Count != sources.Count)
        {
            return null;
        }

        if (targets.Count == 1)
        {
            return [(targets[0], sources[0])];
        }

        List<ModuleName>? targetModules = OneTemplate(targets.Select(t => table.Target[t].Name));
        List<ModuleName>? sourceModules = OneTemplate(sources.Select(s => table.MappedKey[s]));
        if (targetModules is null || sourceModules is null)
        {
            return null;
        }

        if (Order(targetModules) is not { } targetOrder || Order(sourceModules) is not { } sourceOrder)
        {
            return null;
        }

        List<(int, int)> pairs = new(targets.Count);
        for (int k = 0; k < targetOrder.Length; k++)
        {
            pairs.Add((targets[targetOrder[k]], sources[sourceOrder[k]]));
        }

        return pairs;
    }

    /// <summary>
    /// Takes the pairs whose modules map one to one (<c>old.bn</c> → <c>bn</c> for every leaf); a module split
    /// across two modules on the other side makes all of its pairs ambiguous.
    /// </summary>
    private static void KeepModulesWhole(MatchTable table, List<(int Target, int Source, List<int> Candidates)> pairs)
    {
        Dictionary<string, string> sourceToTarget = new(StringComparer.Ordinal);
        Dictionary<string, string> targetToSource = new(StringComparer.Ordinal);
        HashSet<string> splitSources = new(StringComparer.Ordinal);
        HashSet<string> splitTargets = new(StringComparer.Ordinal);
        foreach ((int t, int s, _) in pairs)
        {
            string targetModule = Module(table.Target[t].Name);
            string sourceModule = Module(table.MappedKey[s]);
            if (!sourceToTarget.TryAdd(sourceModule, targetModule) && sourceToTarget[sourceModule] != targetModule)
            {
                splitSources.Add(sourceModule);
            }

            if (!targetToSource.TryAdd(targetModule, sourceModule) && targetToSource[targetModule] != sourceModule)
            {
                splitTargets.Add(targetModule);
            }
        }

        foreach ((int t, int s, List<int> candidates) in pairs)
        {
            if (splitSources.Contains(Module(table.MappedKey[s])) || splitTargets.Contains(Module(table.Target[t].Name)))
            {
                table.Ambiguous[t] = candidates;
            }
            else
            {
                table.Take(t, s, RuleKind.Structural);
            }
        }
    }

    /// <summary>The modules of keys that all share one name up to their numbers, or null when they do not.</summary>
    private static List<ModuleName>? OneTemplate(IEnumerable<string> keys)
    {
        List<ModuleName> modules = [];
        foreach (string key in keys)
        {
            ModuleName module = ModuleName.Of(Module(key));
            if (modules.Count > 0 && (modules[0].Numbers.Length != module.Numbers.Length
                || !string.Equals(modules[0].Template, module.Template, StringComparison.Ordinal)))
            {
                return null;
            }

            modules.Add(module);
        }

        return modules;
    }

    /// <summary>Indexes of <paramref name="modules"/> in the order of their numbers, or null when two tie.</summary>
    private static int[]? Order(List<ModuleName> modules)
    {
        int[] order = Enumerable.Range(0, modules.Count).ToArray();
        Array.Sort(order, (a, b) => modules[a].CompareNumbers(modules[b]));
        for (int k = 1; k < order.Length; k++)
        {
            if (modules[order[k - 1]].CompareNumbers(modules[order[k]]) == 0)
            {
                return null;
            }
        }

        return order;
    }

    private static string GroupKey(TensorSpec spec, string key) =>
        string.Join(',', spec.Shape) + "|" + spec.DType + "|" + key[(key.LastIndexOf('.') + 1)..];

    private static string Module(string key)
    {
        int dot = key.LastIndexOf('.');
        return dot < 0 ? string.Empty : key[..dot];
    }

    /// <summary>A module prefix split into its name with every digit run replaced by <c>#</c>, and those numbers.</summary>
    private sealed record ModuleName(string Template, string[] Numbers)
    {
        public static ModuleName Of(string module)
        {
            System.Text.StringBuilder template = new(module.Length);
            List<string> numbers = [];
            int i = 0;
            while (i < module.Length)
            {
                if (char.IsAsciiDigit(module[i]))
                {
                    int start = i;
                    while (i < module.Length && char.IsAsciiDigit(module[i]))
                    {
                        i++;
                    }

                    numbers.Add(module[start..i].TrimStart('0'));
                    template.Append('#');
                }
                else
                {
                    template.Append(module[i++]);
                }
            }

            return new ModuleName(template.ToString(), [.. numbers]);
        }

        /// <summary>Compares numbers as numbers of any length (leading zeros dropped), first number first.</summary>
        public int CompareNumbers(ModuleName other)
        {
            for (int i = 0; i < Numbers.Length; i++)
            {
                int byLength = Numbers[i].Length.CompareTo(other.Numbers[i].Length);
                if (byLength != 0)
                {
                    return byLength;
                }

                int byDigits = string.CompareOrdinal(Numbers[i], other.Numbers[i]);
                if (byDigits != 0)
                {
                    return byDigits;
                }
            }

            return 0;
        }
    }
}
