using Transfer.Rules.Errors;

namespace Transfer.Rules.Tests.Planning;

/// <summary>Targets no source fills get the init policy the last matching init rule names, else keep.</summary>
public sealed class InitPolicyTests
{
    private static TensorInit Kaiming => TensorInit.Of(InitKind.KaimingNormal);

    [Fact]
    public void Without_init_rules_every_unfilled_target_keeps_its_values_and_filled_ones_carry_no_init()
    {
        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, RuleSet.Default);

        Assert.Equal(
            [null, null, null, null, null, null, null, null, TensorInit.Keep, TensorInit.Keep, TensorInit.Keep, TensorInit.Keep],
            plan.Entries.Select(e => e.Init));
        Assert.Equal(0, plan.Seed);
        Assert.True(plan.IsValid);
    }

    [Fact]
    public void Init_rules_reach_missing_and_skipped_targets_never_loaded_ones_and_the_last_match_wins()
    {
        RuleSet rules = RuleSet.Builder()
            .Init(TensorInit.Of(InitKind.Zeros), "*.bias")
            .Init(Kaiming, "fc.*.weight")
            .Init(TensorInit.Normal(std: 0.01), "fc.7.bias")
            .Build();

        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, rules);

        Assert.Equal(
            ["fc.5.weight:skipped:kaiming_normal", "fc.5.bias:skipped:zeros",
             "fc.7.weight:missing:kaiming_normal", "fc.7.bias:missing:normal(mean=0, std=0.01)"],
            plan.Entries.Where(e => e.Init is not null).Select(e => $"{e.Target}:{e.Status.ToString().ToLowerInvariant()}:{e.Init}"));
        Assert.True(plan.IsValid);
    }

    [Fact]
    public void An_excluded_target_takes_its_init_policy_too()
    {
        TransferPlan plan = TransferPlanner.Plan(
            LeNet5, LeNet5, RuleSet.Builder().Exclude("fc.5.*").Init(TensorInit.Of(InitKind.Zeros), "fc.5.*").Build());

        Assert.Equal([TensorInit.Of(InitKind.Zeros), TensorInit.Of(InitKind.Zeros)], plan.Entries.Where(e => e.Reason == "excluded").Select(e => e.Init));
    }

    [Fact]
    public void Kaiming_and_xavier_on_a_bias_fail_the_plan_as_torch_nn_init_would()
    {
        RuleSet rules = RuleSet.Builder().Init(Kaiming, "fc.7.*").Build();

        TransferPlan plan = TransferPlanner.Plan(LeNet5, LeNet6, rules, "lenet5.pt", "LeNet6");

        Assert.Equal(
            [new PlanProblem("fc.7.bias", "fc.7.bias: init kaiming_normal needs 2 or more dimensions for fan in and fan out, but the tensor is [10]; use zeros or normal for biases.")],
            plan.Problems);
        Assert.Throws<TransferPlanException>(() => plan.EnsureValid());
    }

    [Fact]
    public void Random_init_of_an_integer_buffer_fails_the_plan_and_zeros_does_not()
    {
        TensorSpec[] target = [F32("bn.weight", 4), new TensorSpec("bn.num_batches_tracked", "int64", [])];

        TransferPlan random = TransferPlanner.Plan([], target, RuleSet.Builder().Init(TensorInit.Normal(), "bn.*").Build());
        TransferPlan zeros = TransferPlanner.Plan([], target, RuleSet.Builder().Init(TensorInit.Of(InitKind.Zeros), "bn.*").Build());

        Assert.Equal(
            ["bn.num_batches_tracked: init normal(mean=0, std=1) needs a floating-point tensor, but it is int64; use zeros or keep."],
            random.Problems.Select(p => p.Message));
        Assert.True(zeros.IsValid);
    }

    [Fact]
    public void The_plan_records_the_rules_seed_and_WithSeed_overrides_it()
    {
        RuleSet rules = RuleSet.Builder().Init(Kaiming, "fc.7.weight").Seed(5).Build();

        Assert.Equal(5, TransferPlanner.Plan(LeNet5, LeNet6, rules).Seed);
        Assert.Equal(9, TransferPlanner.Plan(LeNet5, LeNet6, rules.WithSeed(9)).Seed);
        Assert.Equal(5, rules.Seed);
        Assert.Equal(rules.Rules, rules.WithSeed(9).Rules);
    }

    public static TheoryData<long[], long, long, double, double, double> Shapes => new()
    {
        // Values printed by PyTorch 1.13: _calculate_fan_in_and_fan_out, then the std of kaiming_normal_ and
        // the bounds of kaiming_uniform_ and xavier_uniform_ with their default arguments.
        { [10, 64], 64, 10, 0.1767766952966369, 0.3061862178478973, 0.28474739872574967 },
        { [16, 6, 5, 5], 150, 400, 0.11547005383792516, 0.2, 0.10444659357341869 },
        { [64, 3, 7, 7], 147, 3136, 0.11664236870396087, 0.20203050891044216, 0.04275040011889855 },
        { [4, 2, 3], 6, 12, 0.5773502691896258, 1.0, 0.5773502691896257 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fans_and_scales_equal_torch_nn_init_bit_for_bit(long[] shape, long fanIn, long fanOut, double kaimingStd, double kaimingBound, double xavierBound)
    {
        Assert.Equal((fanIn, fanOut), TensorInit.Fans(shape));
        Assert.Equal((0.0, kaimingStd), TensorInit.Of(InitKind.KaimingNormal).Distribution(shape));
        Assert.Equal((0.0, kaimingBound), TensorInit.Of(InitKind.KaimingUniform).Distribution(shape));
        Assert.Equal((0.0, xavierBound), TensorInit.Of(InitKind.XavierUniform).Distribution(shape));
        Assert.Equal((0.5, 0.25), TensorInit.Normal(0.5, 0.25).Distribution(shape));
    }

    [Fact]
    public void Fans_need_two_dimensions() =>
        Assert.Equal(
            "Fan in and fan out need a tensor of 2 or more dimensions. (Parameter 'shape')",
            Assert.Throws<ArgumentException>(() => TensorInit.Fans([10])).Message);

    [Fact]
    public void The_builder_lists_every_init_and_seed_mistake_at_once()
    {
        RuleSetBuilder builder = RuleSet.Builder().Seed(-1).Init(null!, "fc.*").Init(TensorInit.Keep);

        Assert.Equal(
            "3 problems in the rules: (1) seed must be a non-negative integer, not -1. (2) Init was given null. (3) init match needs at least one key or glob.",
            Assert.Throws<RuleConfigException>(builder.Build).Message);
    }

    [Theory]
    [InlineData(0.0, 0.0, "init std must be a positive number, not 0.")]
    [InlineData(0.0, double.NaN, "init std must be a positive number, not NaN.")]
    [InlineData(double.PositiveInfinity, 1.0, "init mean must be a finite number, not Infinity.")]
    public void Normal_refuses_a_std_that_is_not_positive_or_a_mean_that_is_not_finite(double mean, double std, string message) =>
        Assert.Equal(message, Assert.Throws<RuleConfigException>(() => TensorInit.Normal(mean, std)).Message);
}
