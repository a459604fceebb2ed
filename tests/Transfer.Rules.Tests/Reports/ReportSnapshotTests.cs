using Snapshooter;
using Snapshooter.Xunit;
using Transfer.Rules.Reports;

namespace Transfer.Rules.Tests.Reports;

/// <summary>The JSON, Markdown and table reports of the issue's cases, pinned byte for byte.</summary>
public sealed class ReportSnapshotTests
{
    [Fact]
    public void LeNet5_into_LeNet6() =>
        MatchAll(TransferPlanner.Plan(LeNet5, LeNet6, RuleSet.Default, "lenet5.pt", "LeNet6"));

    [Fact]
    public void LeNet5_into_LeNet6_under_shape_mismatch_error() =>
        MatchAll(TransferPlanner.Plan(
            LeNet5, LeNet6, RuleSet.Builder().ShapeMismatch(ShapePolicy.Error).Build(), "lenet5.pt", "LeNet6"));

    [Fact]
    public void LeNet5_into_LeNet6_with_exclude() =>
        MatchAll(TransferPlanner.Plan(
            LeNet5, LeNet6, RuleSet.Builder().Exclude("fc.5.*").Build(), "lenet5.pt", "LeNet6"));

    [Fact]
    public void Moon_checkpoint_remapped_by_regex()
    {
        RuleSet rules = RuleSet.Builder()
            .Rename(@"^moon\.(0|3)\.", "conv.$1.")
            .Rename(@"^moon\.7\.", "fc.1.")
            .Rename(@"^moon\.9\.", "fc.3.")
            .Rename(@"^moon\.11\.", "fc.5.")
            .Build();
        MatchAll(TransferPlanner.Plan(Moon, LeNet6, rules, "moon.pt", "LeNet6"));
    }

    [Fact]
    public void Moon_checkpoint_aligned_structurally() =>
        MatchAll(TransferPlanner.Plan(
            Moon, LeNet5, RuleSet.Builder().Match(MatchStrategy.Structural).Build(), "moon.pt", "LeNet5"));

    [Fact]
    public void Data_parallel_checkpoint_with_strip_prefix() =>
        MatchAll(TransferPlanner.Plan(
            [.. DataParallelLeNet5, F32("module.extra.weight", 3)],
            LeNet5,
            RuleSet.Builder().StripPrefix("module.").Build(),
            "lenet5-dp.pt",
            "LeNet5"));

    [Fact]
    public void ResNet_head_swap_from_1000_to_10_classes() =>
        MatchAll(TransferPlanner.Plan(ResNetImageNet, ResNetTenClasses, RuleSet.Default, "resnet18.pt", "resnet18-10"));

    [Fact]
    public void ResNet_head_swap_with_slice() =>
        MatchAll(TransferPlanner.Plan(
            ResNetImageNet,
            ResNetTenClasses,
            RuleSet.Builder().Shape(ShapePolicy.Slice, "fc.*").Build(),
            "resnet18.pt",
            "resnet18-10"));

    [Fact]
    public void ResNet_stem_adapted_to_one_input_channel() =>
        MatchAll(TransferPlanner.Plan(
            ResNetImageNet,
            [ResNetTenClasses[0] with { Shape = [64, 1, 7, 7] }, .. ResNetTenClasses[1..]],
            RuleSet.Builder().Shape(ShapePolicy.AdaptChannels, "conv1.weight").Shape(ShapePolicy.Slice, "fc.*").Build(),
            "resnet18.pt",
            "resnet18-gray-10"));

    [Fact]
    public void LeNet5_into_LeNet6_with_init_policies() =>
        MatchAll(TransferPlanner.Plan(
            LeNet5,
            LeNet6,
            RuleSet.Builder()
                .Init(TensorInit.Of(InitKind.KaimingUniform), "fc.*.weight")
                .Init(TensorInit.Of(InitKind.Zeros), "fc.5.bias")
                .Init(TensorInit.Normal(std: 0.01), "fc.7.bias")
                .Seed(1)
                .Build(),
            "lenet5.pt",
            "LeNet6"));

    [Fact]
    public void Ambiguous_suffix_casts_and_conflicts()
    {
        TransferPlan plan = TransferPlanner.Plan(
            [
                F32("a.conv.weight", 4), F32("b.conv.weight", 4), new TensorSpec("stem.weight", "float64", [3]),
                F32("module.head.bias", 2), F32("head.bias", 2),
            ],
            [F32("x.conv.weight", 4), F32("backbone.stem.weight", 3), F32("head.bias", 2)],
            RuleSet.Builder().StripPrefix("module.").Match(MatchStrategy.Suffix).Build(),
            "mixed.pt",
            "net");
        MatchAll(plan);
    }

    [Fact]
    public void Reports_are_byte_for_byte_deterministic()
    {
        TransferPlan first = TransferPlanner.Plan(LeNet5, LeNet6, RuleSet.Default, "a", "b");
        TransferPlan second = TransferPlanner.Plan(LeNet5.ToArray(), LeNet6.ToArray(), RuleSet.Default, "a", "b");

        Assert.Equal(PlanJsonReport.RenderUtf8(first), PlanJsonReport.RenderUtf8(second));
        Assert.Equal(PlanMarkdownReport.Render(first), PlanMarkdownReport.Render(second));
        Assert.Equal(PlanTableReport.Render(first), PlanTableReport.Render(second));
        Assert.DoesNotContain('\r', PlanJsonReport.Render(first));
    }

    private static void MatchAll(TransferPlan plan)
    {
        Snapshot.Match(PlanJsonReport.Render(plan), SnapshotNameExtension.Create("json"));
        Snapshot.Match(PlanMarkdownReport.Render(plan), SnapshotNameExtension.Create("md"));
        Snapshot.Match(PlanTableReport.Render(plan), SnapshotNameExtension.Create("table"));
    }
}
