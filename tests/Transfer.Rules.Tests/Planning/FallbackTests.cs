namespace Transfer.Rules.Tests.Planning;

public sealed class FallbackTests
{
    private static readonly RuleSet Suffix = RuleSet.Builder().Match(MatchStrategy.Suffix).Build();
    private static readonly RuleSet Structural = RuleSet.Builder().Match(MatchStrategy.Structural).Build();

    [Fact]
    public void Suffix_takes_the_unique_source_with_the_longest_dotted_suffix()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("res2.0.conv1.weight", 8, 4), F32("res2.1.conv1.weight", 8, 4), F32("stem.weight", 3)],
            [F32("backbone.res2.1.conv1.weight", 8, 4), F32("backbone.stem.weight", 3)],
            Suffix);

        Assert.Equal(
            ["backbone.res2.1.conv1.weight<-res2.1.conv1.weight:suffix", "backbone.stem.weight<-stem.weight:suffix"],
            plan.Entries.Take(2).Select(e => $"{e.Target}<-{e.Source}:{e.Rule}"));
        Assert.Equal(["res2.0.conv1.weight"], plan.Entries.Skip(2).Select(e => e.Source));
    }

    [Fact]
    public void Suffix_ignores_sources_of_another_shape()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("a.head.weight", 5), F32("b.weight", 4)], [F32("x.head.weight", 4)], Suffix);

        Assert.Equal("b.weight", plan.Entries[0].Source);
    }

    [Fact]
    public void Suffix_ties_stay_unmatched_and_list_the_candidates()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("a.conv.weight", 4), F32("b.conv.weight", 4)], [F32("x.conv.weight", 4)], Suffix);

        PlanEntry entry = plan.Entries[0];
        Assert.Equal(EntryStatus.Missing, entry.Status);
        Assert.Equal("ambiguous", entry.Reason);
        Assert.Equal(["a.conv.weight", "b.conv.weight"], entry.Candidates);
        Assert.Equal(2, plan.Summary.Unused);
    }

    [Fact]
    public void Suffix_never_gives_one_source_to_two_targets()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("conv.weight", 4)], [F32("x.conv.weight", 4), F32("y.conv.weight", 4)], Suffix);

        Assert.All(plan.Entries.Take(2), e => Assert.Equal("ambiguous", e.Reason));
        Assert.Equal(["conv.weight"], plan.Entries[0].Candidates);
    }

    [Fact]
    public void Suffix_only_runs_when_asked()
    {
        TransferPlan plan = TransferPlanner.Plan([F32("a.conv.weight", 4)], [F32("x.conv.weight", 4)], RuleSet.Default);
        Assert.Equal("no_source", plan.Entries[0].Reason);
    }

    [Fact]
    public void Structural_aligns_a_renamed_container_by_shape_in_order()
    {
        TransferPlan plan = TransferPlanner.Plan(Moon, LeNet5, Structural);

        Assert.Equal(10, plan.Summary.Loaded);
        Assert.Equal(0, plan.Summary.Unused);
        Assert.Equal(("fc.5.weight", "moon.11.weight", "structural"), (plan.Entries[8].Target, plan.Entries[8].Source, plan.Entries[8].Rule));
    }

    [Fact]
    public void Structural_pairs_equal_shapes_in_order_when_the_counts_agree()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("p.0", 3), F32("p.1", 3)], [F32("q.0", 3), F32("q.1", 3)], Structural);

        Assert.Equal(["q.0<-p.0", "q.1<-p.1"], plan.Entries.Select(e => $"{e.Target}<-{e.Source}"));
    }

    [Fact]
    public void Structural_with_unequal_counts_of_a_shape_refuses_to_guess()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("p.0", 3), F32("p.1", 3), F32("p.2", 7)], [F32("q.0", 3), F32("q.1", 7)], Structural);

        Assert.Equal("ambiguous", plan.Entries[0].Reason);
        Assert.Equal(["p.0", "p.1"], plan.Entries[0].Candidates);
        Assert.Equal("p.2", plan.Entries[1].Source);
    }

    [Fact]
    public void Name_matches_come_first_and_fallbacks_only_see_free_sources()
    {
        RuleSet rules = RuleSet.Builder().Match(MatchStrategy.Suffix, MatchStrategy.Structural).Build();
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, rules);

        Assert.Equal(new PlanSummary(8, 0, 2, 2, 0, 60_856, 66_946), plan.Summary);
    }

    [Fact]
    public void Fallbacks_do_not_fill_excluded_targets()
    {
        RuleSet rules = RuleSet.Builder().Match(MatchStrategy.Structural).Exclude("fc.*").Build();
        TransferPlan plan = TransferPlanner.Plan(Moon, LeNet5, rules);

        Assert.Equal(4, plan.Summary.Loaded);
        Assert.Equal(6, plan.Summary.Unused);
    }
}
