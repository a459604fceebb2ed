using Transfer.Rules.Yaml;

namespace Transfer.Rules.Tests.Planning;

/// <summary>The adapt_channels shape policy: a first conv planned onto another number of input channels.</summary>
public sealed class AdaptChannelsTests
{
    private static readonly RuleSet Adapt = RuleSet.Builder().Shape(ShapePolicy.AdaptChannels, "conv1.weight").Build();

    private static TensorSpec[] Stem(long channels) => [F32("conv1.weight", 64, channels, 7, 7), F32("bn1.weight", 64)];

    [Theory]
    [InlineData(3, 1)]
    [InlineData(3, 4)]
    [InlineData(1, 3)]
    [InlineData(3, 2)]
    public void A_first_conv_with_other_input_channels_is_partial_with_the_policy_named_and_every_target_element_loads(long from, long to)
    {
        TransferPlan plan = TransferPlanner.Plan(Stem(from), Stem(to), Adapt);

        PlanEntry conv = plan.Entries[0];
        Assert.Equal((EntryStatus.Partial, ShapePolicy.AdaptChannels, (string?)null), (conv.Status, conv.Policy, conv.Reason));
        Assert.Null(conv.Init);
        Assert.Equal(new PlanSummary(1, 1, 0, 0, 0, (64 * to * 49) + 64, (64 * to * 49) + 64), plan.Summary);
        Assert.True(plan.IsValid);
    }

    [Fact]
    public void Equal_shapes_load_whole_and_name_no_policy()
    {
        PlanEntry conv = TransferPlanner.Plan(Stem(3), Stem(3), Adapt).Entries[0];

        Assert.Equal((EntryStatus.Loaded, (ShapePolicy?)null), (conv.Status, conv.Policy));
    }

    public static TheoryData<long[], long[]> Misfits => new()
    {
        { [64, 3, 7, 7], [32, 1, 7, 7] },
        { [64, 3, 7, 7], [64, 1, 5, 5] },
        { [64, 3], [64, 1] },
        { [64, 3, 7, 7, 1], [64, 1, 7, 7, 1] },
    };

    [Theory]
    [MemberData(nameof(Misfits))]
    public void Anything_but_4_D_weights_differing_in_dim_1_is_a_problem_naming_both_shapes(long[] source, long[] target)
    {
        TransferPlan plan = TransferPlanner.Plan([F32("conv1.weight", source)], [F32("conv1.weight", target)], Adapt);

        Assert.Equal((EntryStatus.Skipped, "shape_mismatch"), (plan.Entries[0].Status, plan.Entries[0].Reason));
        Assert.Equal(
            [$"conv1.weight: adapt_channels needs 4-D conv weights [out, in, kh, kw] that differ only in input channels (dim 1), " +
             $"but the source is {TensorSpec.FormatShape(source)} and the target {TensorSpec.FormatShape(target)}."],
            plan.Problems.Select(p => p.Message));
    }

    [Fact]
    public void Slice_entries_name_their_policy_too()
    {
        TransferPlan plan = TransferPlanner.Plan(ResNetImageNet, ResNetTenClasses, RuleSet.Builder().Shape(ShapePolicy.Slice, "fc.*").Build());

        Assert.All(plan.Entries.Where(e => e.Status == EntryStatus.Partial), e => Assert.Equal(ShapePolicy.Slice, e.Policy));
        Assert.All(plan.Entries.Where(e => e.Status != EntryStatus.Partial), e => Assert.Null(e.Policy));
    }

    [Fact]
    public void Yaml_reads_the_policy_per_glob_and_refuses_it_at_the_top_level()
    {
        RuleSet rules = RuleSetYaml.Parse("rules:\n  - shape: { match: 'conv1.weight', policy: adapt_channels }\n", "r.yaml");

        Assert.Equal(Adapt.Rules, rules.Rules);
        Assert.Equal("shape 'conv1.weight': adapt_channels; shape_mismatch skip; dtype_mismatch cast; match name", rules.ToString());
        Assert.Equal(
            "r.yaml:1:17: shape_mismatch cannot be 'adapt_channels' at the top level; adapt a first conv per glob with '- shape: { match: 'conv1.weight', policy: adapt_channels }'.",
            Assert.Throws<Transfer.Rules.Errors.RuleConfigException>(() => RuleSetYaml.Parse("shape_mismatch: adapt_channels\n", "r.yaml")).Message);
        Assert.Equal(
            "shape_mismatch must be skip or error, not adapt_channels; use a per-glob shape rule for adapt_channels.",
            Assert.Throws<Transfer.Rules.Errors.RuleConfigException>(() => RuleSet.Builder().ShapeMismatch(ShapePolicy.AdaptChannels).Build()).Message);
    }
}
