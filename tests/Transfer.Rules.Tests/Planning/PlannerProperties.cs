using FsCheck.Xunit;
using Transfer.Rules.Reports;

namespace Transfer.Rules.Tests.Planning;

/// <summary>
/// Planner invariants over random state dicts and rule sets. FsCheck supplies the seeds; a seed builds
/// keys from a small vocabulary so names collide, renames fire, suffixes tie and shapes repeat.
/// </summary>
public sealed class PlannerProperties
{
    private static readonly string[] Modules = ["conv", "fc", "layer1", "layer2", "head", "moon"];
    private static readonly string[] Leaves = ["weight", "bias", "running_mean"];
    private static readonly long[][] Shapes = [[3], [4], [2, 3], [3, 2], [4, 4], []];

    [Property(MaxTest = 300)]
    public void Every_target_key_appears_exactly_once_in_target_order(int seed)
    {
        (TensorSpec[] source, TensorSpec[] target, RuleSet rules) = Case(seed);
        TransferPlan plan = TransferPlanner.Plan(source, target, rules);

        Assert.Equal(target.Select(t => t.Name), plan.Entries.Take(target.Length).Select(e => e.Target));
        Assert.All(plan.Entries.Skip(target.Length), e => Assert.Equal((null, EntryStatus.Unused), (e.Target, e.Status)));
    }

    [Property(MaxTest = 300)]
    public void Every_source_is_used_by_one_target_or_listed_once_as_unused(int seed)
    {
        (TensorSpec[] source, TensorSpec[] target, RuleSet rules) = Case(seed);
        TransferPlan plan = TransferPlanner.Plan(source, target, rules);

        Assert.Equal(
            source.Select(s => s.Name).Order(StringComparer.Ordinal),
            plan.Entries.Where(e => e.Source is not null).Select(e => e.Source!).Order(StringComparer.Ordinal));
        Assert.Equal(
            source.Select(s => s.Name).Where(n => plan.Entries.Count(e => e.Source == n && e.Status == EntryStatus.Unused) == 1),
            plan.Entries.Where(e => e.Status == EntryStatus.Unused).Select(e => e.Source));
    }

    [Property(MaxTest = 300)]
    public void Summary_counts_equal_entry_counts(int seed)
    {
        (TensorSpec[] source, TensorSpec[] target, RuleSet rules) = Case(seed);
        TransferPlan plan = TransferPlanner.Plan(source, target, rules);
        int Count(EntryStatus status) => plan.Entries.Count(e => e.Status == status);

        Assert.Equal(
            new PlanSummary(
                Count(EntryStatus.Loaded), Count(EntryStatus.Partial), Count(EntryStatus.Skipped),
                Count(EntryStatus.Missing), Count(EntryStatus.Unused),
                plan.Entries.Where(e => e.Status == EntryStatus.Loaded).Sum(e => Elements(e.TargetShape!))
                    + plan.Entries.Where(e => e.Status == EntryStatus.Partial).Sum(e => Overlap(e.SourceShape!, e.TargetShape!)),
                target.Sum(t => t.ElementCount)),
            plan.Summary);
    }

    [Property(MaxTest = 300)]
    public void Order_of_order_free_rules_and_patterns_never_changes_the_report(int seed, int shuffleSeed)
    {
        (TensorSpec[] source, TensorSpec[] target, RuleSet rules) = Case(seed);
        Random shuffle = new(shuffleSeed);
        RuleSetBuilder reordered = RuleSet.Builder();
        // Exclude and include are order free; key rules, shape overrides and required lists keep their order,
        // which decides renames, the winning shape policy and the order of problems.
        IRule[] keyRules = rules.Rules.Where(r => r is not (ExcludeRule or IncludeRule)).ToArray();
        IRule[] freeRules = rules.Rules.Where(r => r is ExcludeRule or IncludeRule).ToArray();
        foreach (IRule rule in Shuffle(freeRules, shuffle).Concat(keyRules))
        {
            reordered.Add(rule switch
            {
                ExcludeRule e => new ExcludeRule(Shuffle(e.Patterns.ToArray(), shuffle)),
                IncludeRule i => new IncludeRule(Shuffle(i.Patterns.ToArray(), shuffle)),
                _ => rule,
            });
        }

        reordered.ShapeMismatch(rules.ShapeMismatch).DTypeMismatch(rules.DTypeMismatch)
            .Match(rules.Match);
        if (rules.MinLoaded is double min)
        {
            reordered.MinLoaded(min);
        }

        RuleSet same = reordered.Build();
        TransferPlan expected = TransferPlanner.Plan(source, target, rules);
        TransferPlan actual = TransferPlanner.Plan(
            source.Select(s => s with { Name = new string(s.Name.AsSpan()) }).ToArray(), target, same);

        Assert.Equal(PlanJsonReport.Render(expected), PlanJsonReport.Render(actual));
    }

    [Property(MaxTest = 300)]
    public void Without_structural_matching_source_order_only_moves_unused_entries(int seed, int shuffleSeed)
    {
        (TensorSpec[] source, TensorSpec[] target, RuleSet rules) = Case(seed);
        if (rules.Match.Contains(MatchStrategy.Structural))
        {
            return;
        }

        TransferPlan expected = TransferPlanner.Plan(source, target, rules);
        TransferPlan actual = TransferPlanner.Plan(Shuffle(source.ToArray(), new Random(shuffleSeed)), target, rules);

        Assert.Equal(TargetView(expected, target.Length), TargetView(actual, target.Length));
        Assert.Equal(expected.Summary, actual.Summary);
    }

    private static IEnumerable<string> TargetView(TransferPlan plan, int targets) => plan.Entries.Take(targets).Select(
        e => $"{e.Target}|{e.Source}|{e.Status}|{e.Reason}|{e.Rule}|{string.Join(",", (e.Candidates ?? []).Order(StringComparer.Ordinal))}");

    private static (TensorSpec[] Source, TensorSpec[] Target, RuleSet Rules) Case(int seed)
    {
        Random random = new(seed);
        TensorSpec[] source = Specs(random, random.Next(0, 14), random.Next(2) == 0 ? "module." : "");
        TensorSpec[] target = Specs(random, random.Next(0, 14), random.Next(3) == 0 ? "backbone." : "");
        RuleSetBuilder rules = RuleSet.Builder();
        if (random.Next(2) == 0)
        {
            rules.StripPrefix("module.");
        }

        if (random.Next(2) == 0)
        {
            rules.Rename(@"^moon\.(\d+)\.", "conv.$1.");
        }

        if (random.Next(3) == 0)
        {
            rules.AddPrefix("backbone.");
        }

        if (random.Next(3) == 0)
        {
            rules.Exclude("head.*", "*.running_mean");
        }

        if (random.Next(4) == 0)
        {
            rules.Include("conv.*", "layer?.*", "backbone.*");
        }

        if (random.Next(3) == 0)
        {
            rules.Require("fc.*", "conv.0.weight");
        }

        if (random.Next(3) == 0)
        {
            rules.Shape(ShapePolicy.Slice, "fc.*");
        }

        rules.ShapeMismatch(random.Next(2) == 0 ? ShapePolicy.Skip : ShapePolicy.Error);
        rules.DTypeMismatch(random.Next(2) == 0 ? DTypePolicy.Cast : DTypePolicy.Error);
        MatchStrategy[][] matches = [[], [MatchStrategy.Suffix], [MatchStrategy.Structural], [MatchStrategy.Suffix, MatchStrategy.Structural]];
        rules.Match(matches[random.Next(matches.Length)]);
        if (random.Next(3) == 0)
        {
            rules.MinLoaded(random.NextDouble());
        }

        return (source, target, rules.Build());
    }

    private static TensorSpec[] Specs(Random random, int count, string prefix)
    {
        Dictionary<string, TensorSpec> specs = [];
        for (int i = 0; i < count; i++)
        {
            string name = $"{prefix}{Modules[random.Next(Modules.Length)]}.{random.Next(3)}.{Leaves[random.Next(Leaves.Length)]}";
            specs.TryAdd(name, new TensorSpec(name, random.Next(5) == 0 ? "float16" : "float32", Shapes[random.Next(Shapes.Length)]));
        }

        return specs.Values.ToArray();
    }

    private static T[] Shuffle<T>(T[] items, Random random)
    {
        random.Shuffle(items);
        return items;
    }

    private static long Elements(IReadOnlyList<long> shape) => shape.Aggregate(1L, (a, b) => a * b);

    private static long Overlap(IReadOnlyList<long> a, IReadOnlyList<long> b) =>
        a.Zip(b).Aggregate(1L, (n, p) => n * Math.Min(p.First, p.Second));
}
