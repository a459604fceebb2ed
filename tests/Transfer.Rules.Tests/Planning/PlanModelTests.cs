using Transfer.Rules.Reports;

namespace Transfer.Rules.Tests.Planning;

public sealed class PlanModelTests
{
    [Fact]
    public void Entries_say_which_kind_of_rule_matched_them_while_reports_keep_the_words()
    {
        RuleSet rules = RuleSet.Builder().StripPrefix("module.").Match(MatchStrategy.Suffix).Build();
        TransferPlan plan = TransferPlanner.Plan(
            [F32("module.a.weight", 2), F32("b.weight", 3), F32("x.c.weight", 4)],
            [F32("a.weight", 2), F32("b.weight", 3), F32("y.c.weight", 4), F32("f.weight", 6)],
            rules);
        TransferPlan structural = TransferPlanner.Plan(
            [F32("x.c.weight", 4)], [F32("y.c.weight", 4)], RuleSet.Builder().Match(MatchStrategy.Structural).Build());

        Assert.Equal(
            [(RuleKind.KeyRules, "strip_prefix 'module.'"), (RuleKind.Name, "name"), (RuleKind.Suffix, "suffix"),
             ((RuleKind?)null, (string?)null)],
            plan.Entries.Select(e => (e.RuleKind, e.Rule)));
        Assert.Equal((RuleKind.Structural, "structural"), (structural.Entries[0].RuleKind, structural.Entries[0].Rule));
        Assert.Equal(EntryReason.NoSource, plan.Entries[3].Reason);
        Assert.Contains("\"reason\": \"no_source\"", PlanJsonReport.Render(plan), StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_is_derived_from_the_entries()
    {
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, RuleSet.Builder().Shape(ShapePolicy.Slice, "fc.5.*").Build());
        TransferPlan narrowed = plan with { Entries = plan.Entries.Take(2).ToArray() };

        Assert.Equal(new PlanSummary(8, 2, 0, 2, 0, 60_856 + 840 + 10, 66_946), plan.Summary);
        Assert.Equal(new PlanSummary(2, 0, 0, 0, 0, 156, 156), narrowed.Summary);
    }

    public static TheoryData<string, PlanEntry[]> Inconsistent => new()
    {
        { "each target appears once", [Loaded("a", "x"), Loaded("a", "y")] },
        { "one source feeds one target", [Loaded("a", "x"), Loaded("b", "x")] },
        { "a loaded entry has equal shapes", [Loaded("a", "x") with { SourceShape = [3] }] },
        { "a partial entry has shapes of one rank", [Loaded("a", "x") with { Status = EntryStatus.Partial, SourceShape = [2, 1] }] },
        { "a skipped entry has a reason", [Loaded("a", "x") with { Status = EntryStatus.Skipped }] },
        { "a loading entry names its source, shape, dtype and rule, and no reason", [Loaded("a", "x") with { Reason = EntryReason.Excluded }] },
        { "target entries come before unused ones", [new PlanEntry { Source = "u", Status = EntryStatus.Unused, SourceShape = [1] }, Loaded("a", "x")] },
    };

    [Theory]
    [MemberData(nameof(Inconsistent))]
    public void A_plan_cannot_hold_entries_that_contradict_each_other(string invariant, PlanEntry[] entries)
    {
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => new TransferPlan { Entries = entries });
        Assert.EndsWith(invariant + ".", e.Message, StringComparison.Ordinal);
    }

    private static PlanEntry Loaded(string target, string source) => new()
    {
        Target = target,
        Source = source,
        Status = EntryStatus.Loaded,
        Rule = "name",
        RuleKind = RuleKind.Name,
        SourceShape = [2],
        TargetShape = [2],
        SourceDtype = "float32",
        TargetDtype = "float32",
    };
}
