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
        Assert.Equal(EntryReason.Ambiguous, entry.Reason);
        Assert.Equal(["a.conv.weight", "b.conv.weight"], entry.Candidates);
        Assert.Equal(2, plan.Summary.Unused);
    }

    [Fact]
    public void An_ambiguous_target_fails_the_plan_naming_its_candidates()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("a.conv.weight", 4), F32("b.conv.weight", 4)], [F32("x.conv.weight", 4)], Suffix);

        Assert.Equal(
            [new PlanProblem("x.conv.weight", "x.conv.weight: ambiguous, 2 sources fit it equally ('a.conv.weight', 'b.conv.weight'); " +
                "add a rename rule naming its source, or set ambiguous: skip.")],
            plan.Problems.Where(p => p.Key is not null));
        Transfer.Rules.Errors.TransferPlanException e = Assert.Throws<Transfer.Rules.Errors.TransferPlanException>(() => plan.EnsureValid());
        Assert.Contains("x.conv.weight: ambiguous, 2 sources fit it equally", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ambiguous_skip_keeps_an_ambiguous_target_as_a_reported_entry()
    {
        RuleSet rules = RuleSet.Builder().Match(MatchStrategy.Suffix).Ambiguous(AmbiguousPolicy.Skip).MinLoaded(0).Build();
        TransferPlan plan = TransferPlanner.Plan(
            [F32("a.conv.weight", 4), F32("b.conv.weight", 4)], [F32("x.conv.weight", 4)], rules);

        Assert.True(plan.IsValid);
        Assert.Equal((EntryReason.Ambiguous, 2), (plan.Entries[0].Reason, plan.Entries[0].Candidates!.Count));
    }

    [Fact]
    public void Suffix_never_gives_one_source_to_two_targets()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("conv.weight", 4)], [F32("x.conv.weight", 4), F32("y.conv.weight", 4)], Suffix);

        Assert.All(plan.Entries.Take(2), e => Assert.Equal(EntryReason.Ambiguous, e.Reason));
        Assert.Equal(["conv.weight"], plan.Entries[0].Candidates);
    }

    [Fact]
    public void Suffix_only_runs_when_asked()
    {
        TransferPlan plan = TransferPlanner.Plan([F32("a.conv.weight", 4)], [F32("x.conv.weight", 4)], RuleSet.Default);
        Assert.Equal(EntryReason.NoSource, plan.Entries[0].Reason);
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
    public void Structural_pairs_numbered_modules_by_their_numbers_not_by_listing_order()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("moon.11.weight", 3), F32("moon.3.weight", 3)], [F32("conv.0.weight", 3), F32("conv.5.weight", 3)], Structural);

        Assert.Equal(
            ["conv.0.weight<-moon.3.weight", "conv.5.weight<-moon.11.weight"],
            plan.Entries.Select(e => $"{e.Target}<-{e.Source}"));
    }

    [Fact]
    public void Structural_with_unequal_counts_of_a_shape_refuses_to_guess()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("b.weight", 3), F32("a.weight", 3), F32("c.weight", 7)], [F32("x.weight", 3), F32("y.weight", 7)], Structural);

        Assert.Equal(EntryStatus.Missing, plan.Entries[0].Status);
        Assert.Equal(EntryReason.Ambiguous, plan.Entries[0].Reason);
        Assert.Equal(["a.weight", "b.weight"], plan.Entries[0].Candidates);
        Assert.Equal("c.weight", plan.Entries[1].Source);
    }

    [Fact]
    public void Structural_never_pairs_a_weight_with_a_bias_when_sources_are_listed_alphabetically()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("old.bn.bias", 4), F32("old.bn.running_mean", 4), F32("old.bn.running_var", 4), F32("old.bn.weight", 4)],
            [F32("bn.weight", 4), F32("bn.bias", 4), F32("bn.running_mean", 4), F32("bn.running_var", 4)],
            Structural);

        Assert.Equal(
            ["bn.weight<-old.bn.weight", "bn.bias<-old.bn.bias", "bn.running_mean<-old.bn.running_mean", "bn.running_var<-old.bn.running_var"],
            plan.Entries.Select(e => $"{e.Target}<-{e.Source}"));
    }

    [Fact]
    public void Structural_leaves_equal_shapes_of_differently_named_modules_ambiguous()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("backbone.stem.bn.weight", 4), F32("backbone.layer1.0.bn.weight", 4)],
            [F32("bn1.weight", 4), F32("layer1.0.bn1.weight", 4)],
            Structural);

        Assert.All(plan.Entries.Take(2), e => Assert.Equal((EntryReason.Ambiguous, null), (e.Reason, e.Source)));
        Assert.Equal(["backbone.layer1.0.bn.weight", "backbone.stem.bn.weight"], plan.Entries[0].Candidates);
    }

    [Fact]
    public void Structural_refuses_to_split_one_source_module_across_two_target_modules()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [F32("old.weight", 4), F32("old.bias", 4)],
            [F32("a.weight", 4), F32("b.bias", 4)],
            Structural);

        Assert.All(plan.Entries.Take(2), e => Assert.Equal(EntryReason.Ambiguous, e.Reason));
        Assert.Equal(["old.weight"], plan.Entries[0].Candidates);
    }

    [Fact]
    public void Structural_never_pairs_across_dtypes()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [new TensorSpec("old.weight", "float16", [4])], [F32("new.weight", 4)], Structural);

        Assert.Equal((EntryReason.NoSource, null), (plan.Entries[0].Reason, plan.Entries[0].Source));
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
