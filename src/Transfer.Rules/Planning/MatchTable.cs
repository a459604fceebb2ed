namespace Transfer.Rules.Planning;

/// <summary>
/// The working state of one planning run: renamed source keys, which source each target took and how, and
/// which sources are taken. Matchers fill it; <see cref="PlanAssembler"/> reads it.
/// </summary>
internal sealed class MatchTable
{
    public const int None = -1;

    /// <summary>How an entry matched by its own name says so.</summary>
    private const string ByName = "name";

    public MatchTable(IReadOnlyList<TensorSpec> source, IReadOnlyList<TensorSpec> target, RuleSet rules)
    {
        Source = source;
        Target = target;
        Rules = rules;
        TargetIndex = new Dictionary<string, int>(target.Count, StringComparer.Ordinal);
        for (int t = 0; t < target.Count; t++)
        {
            if (!TargetIndex.TryAdd(target[t].Name, t))
            {
                throw new ArgumentException($"The target has two tensors named '{target[t].Name}'.", nameof(target));
            }
        }

        HashSet<string> sourceNames = new(source.Count, StringComparer.Ordinal);
        string[] descriptions = rules.KeyRules.Select(r => r.Describe()).ToArray();
        Dictionary<(string, int), string> chains = [];
        MappedKey = new string[source.Count];
        HowMapped = new string[source.Count];
        for (int s = 0; s < source.Count; s++)
        {
            string name = source[s].Name;
            if (!sourceNames.Add(name))
            {
                throw new ArgumentException($"The source has two tensors named '{name}'.", nameof(source));
            }

            (MappedKey[s], HowMapped[s]) = MapKey(name, rules.KeyRules, descriptions, chains);
        }

        Chosen = new int[target.Count];
        Array.Fill(Chosen, None);
        MatchedBy = new string?[target.Count];
        KindOfMatch = new RuleKind[target.Count];
        SourceTaken = new bool[source.Count];
        Excluded = new bool[target.Count];
        for (int t = 0; t < target.Count; t++)
        {
            Excluded[t] = IsExcluded(target[t].Name, rules);
        }
    }

    public IReadOnlyList<TensorSpec> Source { get; }

    public IReadOnlyList<TensorSpec> Target { get; }

    public RuleSet Rules { get; }

    public Dictionary<string, int> TargetIndex { get; }

    /// <summary>Each source key after the key rules.</summary>
    public string[] MappedKey { get; }

    /// <summary>"name" or the key rules that changed each source key, joined with " + ".</summary>
    public string[] HowMapped { get; }

    /// <summary>The source index each target took, or <see cref="None"/>.</summary>
    public int[] Chosen { get; }

    /// <summary>The strategy or rule that set <see cref="Chosen"/>, as reports print it.</summary>
    public string?[] MatchedBy { get; }

    /// <summary>The kind of rule that set <see cref="Chosen"/>.</summary>
    public RuleKind[] KindOfMatch { get; }

    /// <summary>Sources no fallback may take: chosen by a target or part of a conflict.</summary>
    public bool[] SourceTaken { get; }

    public bool[] Excluded { get; }

    /// <summary>Targets two or more sources resolve to, with those sources in source order.</summary>
    public Dictionary<int, List<int>> Conflicts { get; } = [];

    /// <summary>Targets a fallback could not decide for, with the tied sources in source order.</summary>
    public Dictionary<int, List<int>> Ambiguous { get; } = [];

    /// <summary>True for a target that fallbacks should still try to match.</summary>
    public bool IsOpen(int t) => Chosen[t] == None && !Excluded[t] && !Conflicts.ContainsKey(t) && !Ambiguous.ContainsKey(t);

    public void MatchByName()
    {
        for (int s = 0; s < Source.Count; s++)
        {
            if (!TargetIndex.TryGetValue(MappedKey[s], out int t))
            {
                continue;
            }

            SourceTaken[s] = true;
            if (Chosen[t] == None && !Conflicts.ContainsKey(t))
            {
                Chosen[t] = s;
                MatchedBy[t] = HowMapped[s];
                KindOfMatch[t] = ReferenceEquals(HowMapped[s], ByName) ? RuleKind.Name : RuleKind.KeyRules;
            }
            else
            {
                if (!Conflicts.TryGetValue(t, out List<int>? sources))
                {
                    sources = [Chosen[t]];
                    Conflicts[t] = sources;
                    Chosen[t] = None;
                    MatchedBy[t] = null;
                }

                sources.Add(s);
            }
        }
    }

    public void Take(int t, int s, RuleKind kind)
    {
        Chosen[t] = s;
        MatchedBy[t] = kind == RuleKind.Suffix ? "suffix" : "structural";
        KindOfMatch[t] = kind;
        SourceTaken[s] = true;
    }

    /// <summary>
    /// Runs the key rules; the "how" text of each chain of rules is built once and shared (<paramref name="chains"/>),
    /// so a hundred thousand keys renamed alike cost no string building.
    /// </summary>
    private static (string Key, string How) MapKey(
        string key, IReadOnlyList<IKeyRule> keyRules, string[] descriptions, Dictionary<(string, int), string> chains)
    {
        string? how = null;
        for (int r = 0; r < keyRules.Count; r++)
        {
            string mapped = keyRules[r].Map(key);
            if (!string.Equals(mapped, key, StringComparison.Ordinal))
            {
                if (how is null)
                {
                    how = descriptions[r];
                }
                else if (!chains.TryGetValue((how, r), out string? chain))
                {
                    chain = how + " + " + descriptions[r];
                    chains[(how, r)] = chain;
                    how = chain;
                }
                else
                {
                    how = chain;
                }

                key = mapped;
            }
        }

        return (key, how ?? ByName);
    }

    private static bool IsExcluded(string key, RuleSet rules)
    {
        foreach (ExcludeRule rule in rules.Excludes)
        {
            if (rule.Matches(key))
            {
                return true;
            }
        }

        if (rules.Includes.Count == 0)
        {
            return false;
        }

        foreach (IncludeRule rule in rules.Includes)
        {
            if (rule.Matches(key))
            {
                return false;
            }
        }

        return true;
    }
}
