using Transfer.Rules.Errors;
using Transfer.Rules.Reports;

namespace Transfer.Rules.Tests.Reports;

public sealed class PlanComparisonTests
{
    private static readonly string Saved = PlanJsonReport.Render(TransferPlanner.Plan(LeNet5, LeNet6, RuleSet.Default, "lenet5.pt", "LeNet6"));

    [Fact]
    public void The_same_plan_compares_equal_even_under_other_labels()
    {
        PlanComparisonResult result = PlanComparison.Compare(TransferPlanner.Plan(LeNet5, LeNet6, RuleSet.Default, "a.pt", "b"), Saved);

        Assert.True(result.AreEqual);
        Assert.Equal("", result.ToString());
    }

    [Fact]
    public void A_changed_plan_lists_each_changed_entry_with_status_reason_rule_and_shapes()
    {
        RuleSet slice = RuleSet.Builder().Shape(ShapePolicy.Slice, "fc.5.*").Exclude("conv.0.bias").Build();
        PlanComparisonResult result = PlanComparison.Compare(TransferPlanner.Plan(LeNet5, LeNet6, slice), Saved, "plan.json");

        Assert.False(result.AreEqual);
        Assert.Equal(
            "conv.0.bias: status loaded -> skipped, reason - -> excluded\n" +
            "fc.5.weight: status skipped -> partial, reason shape_mismatch -> -\n" +
            "fc.5.bias: status skipped -> partial, reason shape_mismatch -> -\n",
            result.ToString());
    }

    [Fact]
    public void Entries_only_one_side_has_are_new_or_gone()
    {
        TensorSpec[] source = [.. LeNet5, F32("extra.weight", 2)];
        TransferPlan plan = TransferPlanner.Plan(source, LeNet6[..10], RuleSet.Default);

        Assert.Equal(
            [
                new PlanDifference("unused extra.weight", "new entry (unused)"),
                new PlanDifference("fc.7.weight", "gone (was missing, no_source)"),
                new PlanDifference("fc.7.bias", "gone (was missing, no_source)"),
            ],
            PlanComparison.Compare(plan, Saved).Differences);
    }

    [Fact]
    public void A_different_source_or_shape_is_named()
    {
        TensorSpec[] moved = [.. LeNet5.Select(s => s.Name == "fc.3.bias" ? F32("fc.3.bias", 85) : s)];
        PlanComparisonResult result = PlanComparison.Compare(TransferPlanner.Plan(moved, LeNet6, RuleSet.Default), Saved);

        Assert.Equal(
            [new PlanDifference("fc.3.bias", "status loaded -> skipped, reason - -> shape_mismatch, source shape [84] -> [85]")],
            result.Differences);
    }

    [Theory]
    [InlineData("not json", "plan.json: not a plan report: not valid JSON (")]
    [InlineData("[1, 2]", "plan.json: not a plan report: expected an object with an 'entries' list")]
    [InlineData("{\"entries\": [{\"status\": \"loaded\"}]}", "plan.json: not a plan report: an entry has neither a target nor a source.")]
    public void A_saved_file_that_is_not_a_plan_report_is_a_one_line_error(string saved, string expected)
    {
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, RuleSet.Default);
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => PlanComparison.Compare(plan, saved, "plan.json"));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }
}
