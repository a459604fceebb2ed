using Transfer.Rules;
using Transfer.Rules.Planning;

namespace Transfer.Rules.Tests.Planning;

public sealed class ExactNamePlanTests
{
    [Fact]
    public void Shape_mismatch_is_skipped_and_reported_with_both_shapes()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("fc.weight", 10, 84), F32("fc.bias", 10)],
            [F32("fc.weight", 64, 84), F32("fc.bias", 10)],
            RuleSet.Default);

        PlanEntry weight = plan.Entries[0];
        Assert.Equal(EntryStatus.Skipped, weight.Status);
        Assert.Equal(EntryReason.ShapeMismatch, weight.Reason);
        Assert.Equal([10L, 84L], weight.SourceShape);
        Assert.Equal([64L, 84L], weight.TargetShape);
        Assert.Equal(EntryStatus.Loaded, plan.Entries[1].Status);
        Assert.Equal(10, plan.Summary.LoadedElements);
        Assert.Equal(64 * 84 + 10, plan.Summary.TargetElements);
    }

    [Fact]
    public void Unmatched_sources_come_after_all_targets_in_source_order()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("z.weight", 3), F32("a.weight", 2), F32("head.weight", 1)],
            [F32("a.weight", 2), F32("new.weight", 5)],
            RuleSet.Default);

        Assert.Equal(
            ["a.weight:Loaded", "new.weight:Missing", "z.weight:Unused", "head.weight:Unused"],
            plan.Entries.Select(e => $"{e.Target ?? e.Source}:{e.Status}"));
        Assert.Equal(new PlanSummary(1, 0, 0, 1, 2, 2, 7), plan.Summary);
    }
}
