using Transfer.Rules.Errors;

namespace Transfer.Rules.Tests.Planning;

public sealed class PolicyTests
{
    [Fact]
    public void LeNet5_into_LeNet6_loads_eight_skips_two_for_shape_and_misses_two()
    {
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, RuleSet.Default, "lenet5.pt", "LeNet6");

        Assert.Equal(new PlanSummary(8, 0, 2, 2, 0, 60_856, 66_946), plan.Summary);
        Assert.True(plan.IsValid);
        Assert.Equal(
            ["conv.0.weight:loaded:", "conv.0.bias:loaded:", "conv.3.weight:loaded:", "conv.3.bias:loaded:",
             "fc.1.weight:loaded:", "fc.1.bias:loaded:", "fc.3.weight:loaded:", "fc.3.bias:loaded:",
             "fc.5.weight:skipped:ShapeMismatch", "fc.5.bias:skipped:ShapeMismatch",
             "fc.7.weight:missing:NoSource", "fc.7.bias:missing:NoSource"],
            plan.Entries.Select(e => $"{e.Target}:{e.Status.ToString().ToLowerInvariant()}:{e.Reason}"));
    }

    [Fact]
    public void Shape_mismatch_error_fails_naming_the_key_and_both_shapes()
    {
        RuleSet rules = RuleSet.Builder().ShapeMismatch(ShapePolicy.Error).Build();
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, rules, "lenet5.pt", "LeNet6");

        Assert.Equal(
            [new PlanProblem("fc.5.weight", "fc.5.weight: shape [10, 84] in the source but [64, 84] in the target (shape_mismatch: error)."),
             new PlanProblem("fc.5.bias", "fc.5.bias: shape [10] in the source but [64] in the target (shape_mismatch: error).")],
            plan.Problems);
        TransferPlanException e = Assert.Throws<TransferPlanException>(() => plan.EnsureValid());
        Assert.Equal(
            "The plan from lenet5.pt to LeNet6 fails with 2 problems: " +
            "fc.5.weight: shape [10, 84] in the source but [64, 84] in the target (shape_mismatch: error); " +
            "fc.5.bias: shape [10] in the source but [64] in the target (shape_mismatch: error).",
            e.Message);
        Assert.Same(plan, e.Plan);
    }

    [Fact]
    public void Per_glob_shape_rule_overrides_the_top_level_policy_and_the_last_match_wins()
    {
        RuleSet rules = RuleSet.Builder()
            .ShapeMismatch(ShapePolicy.Error)
            .Shape(ShapePolicy.Error, "fc.*")
            .Shape(ShapePolicy.Skip, "fc.5.bias")
            .Build();
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, rules);

        Assert.Equal(["fc.5.weight"], plan.Problems.Select(p => p.Key));
        Assert.Equal(EntryReason.ShapeMismatch, plan.Entries[9].Reason);
    }

    [Fact]
    public void Slice_copies_the_overlapping_block_and_reports_partial()
    {
        RuleSet rules = RuleSet.Builder().Shape(ShapePolicy.Slice, "fc.*").Build();
        TransferPlan plan = TransferPlanner.Plan(ResNetImageNet, ResNetTenClasses, rules);

        PlanEntry weight = plan.Entries.Single(e => e.Target == "fc.weight");
        Assert.Equal(EntryStatus.Partial, weight.Status);
        Assert.Null(weight.Reason);
        Assert.Equal([1000L, 512L], weight.SourceShape);
        Assert.Equal(7, plan.Summary.Loaded);
        Assert.Equal(2, plan.Summary.Partial);
        Assert.Equal(plan.Summary.TargetElements, plan.Summary.LoadedElements);
    }

    [Fact]
    public void Slice_into_a_bigger_head_loads_only_the_overlap()
    {
        RuleSet rules = RuleSet.Builder().Shape(ShapePolicy.Slice, "fc.5.*").Build();
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, rules);

        Assert.Equal(EntryStatus.Partial, plan.Entries[8].Status);
        Assert.Equal(60_856 + 10 * 84 + 10, plan.Summary.LoadedElements);
    }

    [Fact]
    public void Slice_needs_the_same_rank_else_the_entry_is_a_shape_mismatch()
    {
        RuleSet rules = RuleSet.Builder().Shape(ShapePolicy.Slice, "*").Build();
        TransferPlan plan = TransferPlanner.Plan([F32("w", 4, 4)], [F32("w", 16)], rules);

        Assert.Equal(EntryStatus.Skipped, plan.Entries[0].Status);
        Assert.Equal(EntryReason.ShapeMismatch, plan.Entries[0].Reason);
    }

    [Fact]
    public void Excluded_targets_keep_their_source_and_say_excluded()
    {
        RuleSet rules = RuleSet.Builder().Exclude("fc.5.*", "fc.7.weight").Build();
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, rules);

        Assert.Equal(
            ["fc.5.weight:Skipped:Excluded:fc.5.weight", "fc.5.bias:Skipped:Excluded:fc.5.bias",
             "fc.7.weight:Missing:Excluded:", "fc.7.bias:Missing:NoSource:"],
            plan.Entries.Skip(8).Select(e => $"{e.Target}:{e.Status}:{e.Reason}:{e.Source}"));
        Assert.Equal(0, plan.Summary.Unused);
    }

    [Fact]
    public void Include_lets_only_matching_targets_load()
    {
        RuleSet rules = RuleSet.Builder().Include("conv.*").Build();
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet5, rules);

        Assert.Equal(4, plan.Summary.Loaded);
        Assert.All(plan.Entries.Skip(4), e => Assert.Equal(EntryReason.Excluded, e.Reason));
    }

    [Fact]
    public void Required_keys_that_do_not_load_fail_the_plan_naming_them()
    {
        RuleSet rules = RuleSet.Builder().Require("fc.5.weight", "fc.7.*", "head.*").Build();
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, rules);

        Assert.Equal(
            ["fc.5.weight: required but skipped (shape_mismatch).",
             "fc.7.weight: required but missing (no_source).",
             "fc.7.bias: required but missing (no_source).",
             "required 'head.*' matches no target key."],
            plan.Problems.Select(p => p.Message));
    }

    [Fact]
    public void Required_patterns_that_each_match_something_pass()
    {
        RuleSet rules = RuleSet.Builder().Require("conv.*").Require("fc.1.weight").Build();
        Assert.True(TransferPlanner.Plan(LeNet5, LeNet6, rules).IsValid);
    }

    [Fact]
    public void A_different_dtype_is_cast_and_the_entry_says_so()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [new TensorSpec("w", "float64", [3])], [new TensorSpec("w", "float32", [3])], RuleSet.Default);

        Assert.Equal(EntryStatus.Loaded, plan.Entries[0].Status);
        Assert.True(plan.Entries[0].Cast);
    }

    [Fact]
    public void Dtype_mismatch_error_refuses_and_fails_naming_both_dtypes()
    {
        RuleSet rules = RuleSet.Builder().DTypeMismatch(DTypePolicy.Error).MinLoaded(0).Build();
        TransferPlan plan = TransferPlanner.Plan(
            [new TensorSpec("w", "float16", [3])], [new TensorSpec("w", "float32", [3])], rules, "a", "b");

        Assert.Equal(EntryStatus.Skipped, plan.Entries[0].Status);
        Assert.Equal(EntryReason.DTypeMismatch, plan.Entries[0].Reason);
        Assert.False(plan.Entries[0].Cast);
        Assert.Equal(
            "The plan from a to b fails: w: dtype float16 in the source but float32 in the target (dtype_mismatch: error).",
            Assert.Throws<TransferPlanException>(() => plan.EnsureValid()).Message);
    }

    [Fact]
    public void Two_sources_resolving_to_one_target_fail_naming_both()
    {
        RuleSet rules = RuleSet.Builder().StripPrefix("module.").MinLoaded(0).Build();
        TransferPlan plan = TransferPlanner.Plan(
            [F32("module.fc.weight", 2), F32("fc.weight", 2)], [F32("fc.weight", 2)], rules);

        PlanEntry entry = plan.Entries[0];
        Assert.Equal(EntryStatus.Skipped, entry.Status);
        Assert.Equal(EntryReason.Conflict, entry.Reason);
        Assert.Equal(["module.fc.weight", "fc.weight"], entry.Candidates);
        Assert.Equal(
            "fc.weight: 2 sources resolve to it: 'module.fc.weight' (strip_prefix 'module.'), 'fc.weight' (name).",
            Assert.Single(plan.Problems).Message);
        Assert.Equal(2, plan.Summary.Unused);
    }

    [Fact]
    public void Min_loaded_fails_a_wrapper_prefix_that_matches_nothing_naming_the_coverage()
    {
        RuleSet rules = RuleSet.Builder().MinLoaded(0.5).Build();
        TransferPlan plan = TransferPlanner.Plan(DataParallelLeNet5, LeNet5, rules);

        Assert.Equal(
            "only 0.00% of the target's elements would load (0 of 61,706), below min_loaded 0.5.",
            Assert.Single(plan.Problems).Message);
        Assert.True(TransferPlanner.Plan(LeNet5, LeNet6, rules).IsValid);
    }

    [Fact]
    public void Strip_prefix_loads_a_data_parallel_checkpoint_and_names_the_rule()
    {
        RuleSet rules = RuleSet.Builder().StripPrefix("module.").Build();
        TransferPlan plan = TransferPlanner.Plan(DataParallelLeNet5, LeNet5, rules);

        Assert.Equal(10, plan.Summary.Loaded);
        Assert.All(plan.Entries, e => Assert.Equal("strip_prefix 'module.'", e.Rule));
        Assert.Equal("module.fc.5.bias", plan.Entries[9].Source);
    }

    [Fact]
    public void Duplicate_names_in_the_input_are_refused()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(
            () => TransferPlanner.Plan([F32("a", 1), F32("a", 1)], [F32("a", 1)], RuleSet.Default));
        Assert.StartsWith("The source has two tensors named 'a'.", e.Message);
    }

    [Fact]
    public void A_failing_plan_names_the_first_twenty_problems_and_counts_the_rest()
    {
        TensorSpec[] source = Enumerable.Range(0, 25).Select(i => F32($"w{i}", 2)).ToArray();
        TensorSpec[] target = Enumerable.Range(0, 25).Select(i => F32($"w{i}", 3)).ToArray();
        TransferPlan plan = TransferPlanner.Plan(source, target, RuleSet.Builder().ShapeMismatch(ShapePolicy.Error).MinLoaded(0).Build(), "s", "t");

        string message = Assert.Throws<TransferPlanException>(() => plan.EnsureValid()).Message;
        Assert.StartsWith("The plan from s to t fails with 25 problems: w0: shape [2] in the source but [3] in the target (shape_mismatch: error); w1:", message);
        Assert.EndsWith("w19: shape [2] in the source but [3] in the target (shape_mismatch: error); and 5 more.", message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void A_valid_plan_passes_ensure_valid_unchanged()
    {
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, RuleSet.Default);
        Assert.Same(plan, plan.EnsureValid());
    }
}
