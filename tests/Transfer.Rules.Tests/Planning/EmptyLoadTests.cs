using Transfer.Rules.Errors;

namespace Transfer.Rules.Tests.Planning;

public sealed class EmptyLoadTests
{
    [Fact]
    public void A_data_parallel_checkpoint_without_rules_fails_and_suggests_stripping_module()
    {
        TransferPlan plan = TransferPlanner.Plan(DataParallelLeNet5, LeNet6, RuleSet.Default, "lenet5-dp.pt", "LeNet6");

        Assert.Equal([new RuleSuggestion("strip_prefix: 'module.'", 8, 12)], plan.Suggestions);
        Assert.Equal(
            "The plan from lenet5-dp.pt to LeNet6 fails: nothing would load: none of the target's 12 tensors gets a source; " +
            "suggested: strip_prefix: 'module.'  (loads 8 of 12); set min_loaded: 0 if an empty load is intended.",
            Assert.Throws<TransferPlanException>(() => plan.EnsureValid()).Message);
    }

    [Fact]
    public void An_explicit_min_loaded_of_zero_allows_an_empty_load_but_still_suggests()
    {
        TransferPlan plan = TransferPlanner.Plan(DataParallelLeNet5, LeNet5, RuleSet.Builder().MinLoaded(0).Build());

        Assert.True(plan.IsValid);
        Assert.Equal("suggested: strip_prefix: 'module.'  (loads 10 of 10)", Assert.Single(plan.Suggestions).ToString());
    }

    [Fact]
    public void A_bare_backbone_loaded_into_a_wrapped_model_suggests_adding_the_prefix()
    {
        TensorSpec[] wrapped = [.. LeNet5.Select(s => s with { Name = "backbone." + s.Name })];
        TransferPlan plan = TransferPlanner.Plan(LeNet5, wrapped, RuleSet.Default);

        Assert.Equal(new RuleSuggestion("add_prefix: 'backbone.'", 10, 10), plan.Suggestions[0]);
    }

    [Fact]
    public void A_renamed_container_suggests_a_rename_of_its_leading_component()
    {
        TensorSpec[] source = [.. LeNet5.Select(s => s with { Name = "model." + s.Name })];
        TensorSpec[] target = [.. LeNet5.Select(s => s with { Name = "net." + s.Name })];
        TransferPlan plan = TransferPlanner.Plan(source, target, RuleSet.Default);

        Assert.Equal(new RuleSuggestion(@"rename: { from: '^model\.', to: 'net.' }", 10, 10), plan.Suggestions[0]);
    }

    [Fact]
    public void Less_than_half_loaded_suggests_without_failing_and_more_than_half_suggests_nothing()
    {
        TensorSpec[] mostlyPrefixed = [.. LeNet5[..2], .. DataParallelLeNet5[2..]];
        TransferPlan few = TransferPlanner.Plan(mostlyPrefixed, LeNet5, RuleSet.Default);
        TransferPlan most = TransferPlanner.Plan(LeNet5, LeNet6, RuleSet.Default);

        Assert.True(few.IsValid);
        Assert.Equal([new RuleSuggestion("strip_prefix: 'module.'", 10, 10)], few.Suggestions);
        Assert.Empty(most.Suggestions);
    }

    [Fact]
    public void Nothing_to_suggest_says_so_and_an_empty_target_is_no_problem()
    {
        TransferPlan unrelated = TransferPlanner.Plan([F32("a.weight", 2)], [F32("b.weight", 3)], RuleSet.Default);
        TransferPlan empty = TransferPlanner.Plan([F32("a.weight", 2)], [], RuleSet.Default);

        Assert.Equal(
            "nothing would load: none of the target's 1 tensors gets a source; no prefix to strip or add, and no rename " +
            "of a leading key component, would make them load; check that the source and target are the ones you mean; " +
            "set min_loaded: 0 if an empty load is intended.",
            Assert.Single(unrelated.Problems).Message);
        Assert.True(empty.IsValid);
    }
}
