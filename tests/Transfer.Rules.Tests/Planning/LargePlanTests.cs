namespace Transfer.Rules.Tests.Planning;

public sealed class LargePlanTests
{
    [Fact]
    public void A_hundred_thousand_keys_with_fifty_rules_plan_exactly_as_constructed()
    {
        LargeWorkload work = new();
        Assert.Equal(100_000, work.Source.Count);
        Assert.Equal(100_000, work.Target.Count);
        Assert.Equal(50, work.Rules.Rules.Count);

        TransferPlan plan = TransferPlanner.Plan(work.Source, work.Target, work.Rules, "big.pt", "big");

        Assert.Equal(
            new PlanSummary(work.Loaded, work.Partial, work.Skipped, work.Missing, work.Unused, work.LoadedElements, work.TargetElements),
            plan.Summary);
        Assert.True(plan.IsValid);
        Assert.Equal("module.stage39.block249.conv4.bias", plan.Entries[99_999].Source);
        Assert.Equal(@"strip_prefix 'module.' + rename '^stage39\.' -> 'layer39.'", plan.Entries[99_999].Rule);
    }
}
