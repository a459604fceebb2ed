using TorchSharp;
using Transfer.Applying;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;

namespace Transfer.Tests.Applying;

public sealed class PlanApplierTests
{
    private static TransferPlan PlanOf(params PlanEntry[] entries) => new()
    {
        SourceName = "source",
        TargetName = "target",
        Entries = entries,
    };

    private static PlanEntry Entry(EntryStatus status, string target, long[] targetShape, string source, long[] sourceShape, string dtype = "float32") => new()
    {
        Target = target,
        Source = source,
        Status = status,
        Rule = "name",
        RuleKind = RuleKind.Name,
        TargetShape = targetShape,
        SourceShape = sourceShape,
        SourceDtype = dtype,
        TargetDtype = "float32",
        Cast = dtype != "float32",
    };

    private static Dictionary<string, float[]> Snapshot(torch.nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(torch.float32).data<float>().ToArray());

    [Fact]
    public void LeNet5_into_LeNet6_copies_the_8_matching_tensors_exactly_and_leaves_the_rest()
    {
        using LeNet5 five = new();
        using LeNet6 six = new();
        TransferPlan plan = TransferPlanner.Plan(ModelSpecs.Of(five), ModelSpecs.Of(six), RuleSet.Default);
        Dictionary<string, float[]> before = Snapshot(six);

        ApplyReport report = PlanApplier.Apply(plan, six, five.state_dict());

        Assert.Equal(new ApplyReport(8, 0, 6 * 25 + 6 + 16 * 6 * 25 + 16 + 120 * 400 + 120 + 84 * 120 + 84, 0), report);
        Dictionary<string, float[]> source = Snapshot(five);
        Dictionary<string, float[]> after = Snapshot(six);
        foreach (string key in new[] { "conv.0.weight", "conv.0.bias", "conv.3.weight", "conv.3.bias", "fc.1.weight", "fc.1.bias", "fc.3.weight", "fc.3.bias" })
        {
            Assert.Equal(source[key], after[key]);
        }

        foreach (string key in new[] { "fc.5.weight", "fc.5.bias", "fc.7.weight", "fc.7.bias" })
        {
            Assert.Equal(before[key], after[key]);
        }
    }

    [Fact]
    public void Loading_never_changes_requires_grad()
    {
        using LeNet5 five = new();
        using LeNet5 target = new();
        foreach ((string name, TorchSharp.Modules.Parameter p) in target.named_parameters())
        {
            p.requires_grad = name.StartsWith("fc", StringComparison.Ordinal);
        }

        TransferPlan plan = TransferPlanner.Plan(ModelSpecs.Of(five), ModelSpecs.Of(target), RuleSet.Default);
        PlanApplier.Apply(plan, target, five.state_dict());

        Assert.All(target.named_parameters(), p => Assert.Equal(p.name.StartsWith("fc", StringComparison.Ordinal), p.parameter.requires_grad));
        Assert.Equal(Snapshot(five), Snapshot(target));
    }

    [Fact]
    public void A_failing_plan_leaves_the_model_bitwise_unchanged()
    {
        using LeNet5 five = new();
        using LeNet6 six = new();
        // Planned as if the source were LeNet6-shaped: the first seven entries are fine, fc.5.weight is not.
        TransferPlan plan = TransferPlanner.Plan(ModelSpecs.Of(six), ModelSpecs.Of(six), RuleSet.Default);
        Dictionary<string, float[]> before = Snapshot(six);
        using LeNet6 other = new();
        Dictionary<string, torch.Tensor> source = other.state_dict();
        source["fc.5.weight"] = five.state_dict()["fc.5.weight"];

        TransferPlanException e = Assert.Throws<TransferPlanException>(() => PlanApplier.Apply(plan, six, source));

        Assert.Equal("Source 'fc.5.weight' is [10, 84] but the plan expected [64, 84].", e.Message);
        Assert.Same(plan, e.Plan);
        Assert.Equal(before, Snapshot(six));
    }

    [Fact]
    public void Partial_copies_the_leading_block_in_every_dimension()
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> head = torch.nn.Linear(3, 4);
        using torch.Tensor weight = torch.arange(1, 7, dtype: torch.float32).reshape(2, 3);
        using torch.Tensor bias = torch.tensor(new float[] { 10, 20 });
        using torch.Tensor wide = torch.arange(1, 11, dtype: torch.float32).reshape(2, 5);
        float[] beforeWeight = head.state_dict()["weight"].data<float>().ToArray();
        float[] beforeBias = head.state_dict()["bias"].data<float>().ToArray();
        TransferPlan plan = PlanOf(
            Entry(EntryStatus.Partial, "weight", [4, 3], "w", [2, 5]),
            Entry(EntryStatus.Partial, "bias", [4], "b", [2]));

        ApplyReport report = PlanApplier.Apply(plan, head, new Dictionary<string, torch.Tensor> { ["w"] = wide, ["b"] = bias });

        Assert.Equal(new ApplyReport(0, 2, 6 + 2, 0), report);
        float[] w = head.state_dict()["weight"].data<float>().ToArray();
        // Rows 0-1 take columns 0-2 of the [2, 5] source; rows 2-3 keep their values.
        Assert.Equal(new float[] { 1, 2, 3, 6, 7, 8 }, w.Take(6));
        Assert.Equal(beforeWeight.Skip(6), w.Skip(6));
        Assert.Equal(new float[] { 10, 20, beforeBias[2], beforeBias[3] }, head.state_dict()["bias"].data<float>().ToArray());
    }

    [Fact]
    public void A_10_class_head_sliced_into_a_20_class_head_keeps_the_first_10_rows()
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> small = torch.nn.Linear(84, 10);
        using torch.nn.Module<torch.Tensor, torch.Tensor> big = torch.nn.Linear(84, 20);
        float[] before = big.state_dict()["weight"].data<float>().ToArray();
        TransferPlan plan = PlanOf(Entry(EntryStatus.Partial, "weight", [20, 84], "weight", [10, 84]));

        PlanApplier.Apply(plan, big, small.state_dict());

        float[] after = big.state_dict()["weight"].data<float>().ToArray();
        Assert.Equal(small.state_dict()["weight"].data<float>().ToArray(), after.Take(840));
        Assert.Equal(before.Skip(840), after.Skip(840));
    }

    [Fact]
    public void Loaded_entry_never_broadcasts_a_row_into_a_matrix()
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> target = torch.nn.Linear(84, 64);
        using torch.Tensor row = torch.ones(1, 84);
        float[] before = target.state_dict()["weight"].data<float>().ToArray();
        TransferPlan plan = PlanOf(Entry(EntryStatus.Loaded, "weight", [64, 84], "row", [64, 84]));

        TransferPlanException e = Assert.Throws<TransferPlanException>(
            () => PlanApplier.Apply(plan, target, new Dictionary<string, torch.Tensor> { ["row"] = row }));

        Assert.Equal("Source 'row' is [1, 84] but the plan expected [64, 84].", e.Message);
        Assert.Equal(before, target.state_dict()["weight"].data<float>().ToArray());
    }

    [Fact]
    public void Missing_source_and_unknown_target_are_named()
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> target = torch.nn.Linear(2, 2);
        TransferPlanException noSource = Assert.Throws<TransferPlanException>(() => PlanApplier.Apply(
            PlanOf(Entry(EntryStatus.Loaded, "weight", [2, 2], "gone", [2, 2])), target, new Dictionary<string, torch.Tensor>()));
        Assert.Equal("Source tensor 'gone' is not in the source.", noSource.Message);

        TransferPlanException noTarget = Assert.Throws<TransferPlanException>(() => PlanApplier.Apply(
            PlanOf(Entry(EntryStatus.Loaded, "fc.weight", [2, 2], "w", [2, 2])), target, new Dictionary<string, torch.Tensor>()));
        Assert.Equal("Plan target 'fc.weight' is not in the target.", noTarget.Message);
    }

    [Fact]
    public void Loaded_source_of_another_dtype_is_cast_to_the_target_dtype()
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> target = torch.nn.Linear(2, 1);
        using torch.Tensor source = torch.tensor(new double[] { 0.1, -2.5 }).reshape(1, 2);
        TransferPlan plan = PlanOf(Entry(EntryStatus.Loaded, "weight", [1, 2], "w", [1, 2], "float64"));

        ApplyReport report = PlanApplier.Apply(plan, target, new Dictionary<string, torch.Tensor> { ["w"] = source });

        Assert.Equal(1, report.Cast);
        Assert.Equal(torch.float32, target.state_dict()["weight"].dtype);
        Assert.Equal(new[] { 0.1f, -2.5f }, target.state_dict()["weight"].data<float>().ToArray());
    }

    [Fact]
    public void A_dtype_change_the_plan_does_not_call_a_cast_is_refused()
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> target = torch.nn.Linear(2, 1);
        using torch.Tensor source = torch.zeros(1, 2, dtype: torch.float64);
        float[] before = target.state_dict()["weight"].data<float>().ToArray();
        TransferPlan plan = PlanOf(Entry(EntryStatus.Loaded, "weight", [1, 2], "w", [1, 2], "float64") with { Cast = false });

        TransferPlanException e = Assert.Throws<TransferPlanException>(
            () => PlanApplier.Apply(plan, target, new Dictionary<string, torch.Tensor> { ["w"] = source }));

        Assert.Equal("Plan entry for 'weight' does not say cast, but its source 'w' is float64 and the target is float32.", e.Message);
        Assert.Equal(before, target.state_dict()["weight"].data<float>().ToArray());
    }

    [Fact]
    public void Source_dtype_must_be_what_the_plan_says()
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> target = torch.nn.Linear(2, 1);
        using torch.Tensor source = torch.zeros(1, 2, dtype: torch.float16);
        TransferPlan plan = PlanOf(Entry(EntryStatus.Loaded, "weight", [1, 2], "w", [1, 2], "float32"));
        TransferPlanException e = Assert.Throws<TransferPlanException>(
            () => PlanApplier.Apply(plan, target, new Dictionary<string, torch.Tensor> { ["w"] = source }));
        Assert.Equal("Source 'w' is float16 but the plan expected float32.", e.Message);
    }

    [Fact]
    public void The_callers_source_tensors_are_left_alive()
    {
        using LeNet5 five = new();
        using LeNet5 target = new();
        TransferPlan plan = TransferPlanner.Plan(ModelSpecs.Of(five), ModelSpecs.Of(target), RuleSet.Default);
        Dictionary<string, torch.Tensor> source = five.state_dict();

        PlanApplier.Apply(plan, target, source);

        Assert.All(source.Values, t => Assert.False(t.IsInvalid));
        Assert.Equal(Snapshot(five), Snapshot(target));
    }

    [Fact]
    public void Merge_fills_a_copy_of_the_target_and_leaves_the_target_tensors_alone()
    {
        using LeNet5 five = new();
        using LeNet6 six = new();
        TransferPlan plan = TransferPlanner.Plan(ModelSpecs.Of(five), ModelSpecs.Of(six), RuleSet.Default);
        Dictionary<string, float[]> before = Snapshot(six);

        using MergedStateDict merged = PlanApplier.Merge(plan, StateDictOrder.Entries(six), five.state_dict());

        Assert.Equal(ModelSpecs.Of(six).Select(s => s.Name), merged.Entries.Select(e => e.Key));
        Assert.Equal(8, merged.Report.Loaded);
        Assert.Equal(before, Snapshot(six));
        Assert.Equal(five.state_dict()["fc.1.weight"].data<float>().ToArray(), merged.Entries.Single(e => e.Key == "fc.1.weight").Value.data<float>().ToArray());
        Assert.Equal(before["fc.7.weight"], merged.Entries.Single(e => e.Key == "fc.7.weight").Value.data<float>().ToArray());
    }
}

public sealed class PlanApplierRankTests
{
    [Fact]
    public void Partial_copy_between_different_ranks_is_refused_naming_both_shapes()
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> target = torch.nn.Linear(4, 2);
        using torch.Tensor flat = torch.ones(8);
        float[] before = target.state_dict()["weight"].data<float>().ToArray();
        TransferPlan plan = new()
        {
            SourceName = "s",
            TargetName = "t",
            Entries = [new PlanEntry
            {
                Target = "weight", Source = "flat", Status = EntryStatus.Partial, Rule = "name", RuleKind = RuleKind.Name,
                SourceShape = [2, 5], TargetShape = [2, 4], SourceDtype = "float32", TargetDtype = "float32",
            }],
        };

        TransferPlanException e = Assert.Throws<TransferPlanException>(
            () => PlanApplier.Apply(plan, target, new Dictionary<string, torch.Tensor> { ["flat"] = flat }));

        Assert.Equal("Source 'flat' is [8] but the plan expected [2, 5].", e.Message);
        Assert.Equal(before, target.state_dict()["weight"].data<float>().ToArray());
    }
}
