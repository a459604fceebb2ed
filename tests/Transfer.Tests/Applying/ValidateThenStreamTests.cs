using TorchSharp;
using Transfer.Applying;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;
using Transfer.Tests.Formats;
using Transfer.Transfers;

namespace Transfer.Tests.Applying;

/// <summary>Every apply path validates the whole plan against the specs before it reads a tensor, then copies one tensor at a time.</summary>
public sealed class ValidateThenStreamTests
{
    private static Dictionary<string, float[]> Snapshot(torch.nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(torch.float32).data<float>().ToArray());

    /// <summary>LeNet5 written to <paramref name="name"/> in a fresh folder.</summary>
    private static string Saved(LeNet5 five, string name)
    {
        string path = Path.Combine(Fixture.TempFolder(), name);
        CheckpointWriter.Write(path, StateDictOrder.Entries(five));
        return path;
    }

    /// <summary>Cuts the file after its safetensors header, so any attempt to read a tensor fails.</summary>
    private static void KeepOnlyHeader(string path)
    {
        byte[] head = new byte[8];
        using (FileStream f = File.OpenRead(path))
        {
            f.ReadExactly(head);
        }

        using FileStream w = new(path, FileMode.Open, FileAccess.Write);
        w.SetLength(8 + BitConverter.ToInt64(head));
    }

    public static TheoryData<string> EntryPoints => ["apply from tensors", "apply from a checkpoint", "merge", "apply to a file"];

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void An_invalid_plan_is_refused_by_every_entry_point_and_nothing_is_written(string entryPoint)
    {
        using LeNet5 five = new();
        using LeNet6 six = new();
        string path = Saved(five, "five.safetensors");
        string outPath = Path.Combine(Path.GetDirectoryName(path)!, "out.safetensors");
        RuleSet rules = RuleSet.Builder().Require("fc.7.*").Build();
        TransferPlan plan = TransferPlanner.Plan(ModelSpecs.Of(five), ModelSpecs.Of(six), rules, "five", "six");
        Assert.False(plan.IsValid);
        string expected = Assert.Throws<TransferPlanException>(() => plan.EnsureValid()).Message;
        Dictionary<string, float[]> before = Snapshot(six);
        using Checkpoint checkpoint = CheckpointReader.Open(path);
        using StateDictSide source = StateDictSide.OpenFile(path);
        using StateDictSide target = StateDictSide.Open("LeNet6");

        TransferPlanException e = Assert.Throws<TransferPlanException>(() =>
        {
            switch (entryPoint)
            {
                case "apply from tensors": PlanApplier.Apply(plan, six, five.state_dict()); break;
                case "apply from a checkpoint": PlanApplier.Apply(plan, six, checkpoint); break;
                case "merge": PlanApplier.Merge(plan, StateDictOrder.Entries(six), five.state_dict()).Dispose(); break;
                default: WeightTransfer.ApplyToFile(plan, source, target, outPath); break;
            }
        });

        Assert.Equal(expected, e.Message);
        Assert.Same(plan, e.Plan);
        Assert.Equal(before, Snapshot(six));
        Assert.False(File.Exists(outPath));
    }

    [Fact]
    public void Every_entry_is_checked_against_the_checkpoint_before_any_tensor_is_read()
    {
        using LeNet5 five = new();
        using LeNet6 six = new();
        string path = Saved(five, "five.safetensors");
        // Planned as if the source were LeNet6: conv.* and fc.1/fc.3 fit, fc.5 and fc.7 do not.
        TransferPlan plan = TransferPlanner.Plan(ModelSpecs.Of(six), ModelSpecs.Of(six), RuleSet.Default, "planned", "six");
        Dictionary<string, float[]> before = Snapshot(six);
        using Checkpoint checkpoint = CheckpointReader.Open(path);
        KeepOnlyHeader(path);

        TransferPlanException e = Assert.Throws<TransferPlanException>(() => PlanApplier.Apply(plan, six, checkpoint));

        Assert.Equal(
            "The plan from planned to six cannot be applied (4 problems): Source 'fc.5.weight' is [10, 84] but the plan expected [64, 84]; "
            + "Source 'fc.5.bias' is [10] but the plan expected [64]; Source tensor 'fc.7.weight' is not in the source; "
            + "Source tensor 'fc.7.bias' is not in the source.",
            e.Message);
        Assert.Equal(before, Snapshot(six));
    }

    [Fact]
    public void File_to_file_apply_runs_the_same_checks_before_reading_or_writing_anything()
    {
        using LeNet5 five = new();
        using LeNet6 six = new();
        string path = Saved(five, "five.safetensors");
        string outPath = Path.Combine(Path.GetDirectoryName(path)!, "out.pt");
        TransferPlan plan = TransferPlanner.Plan(ModelSpecs.Of(six), ModelSpecs.Of(six), RuleSet.Default, "planned", "six");
        using StateDictSide source = StateDictSide.OpenFile(path);
        using StateDictSide target = StateDictSide.Open("LeNet6");
        KeepOnlyHeader(path);

        TransferPlanException e = Assert.Throws<TransferPlanException>(() => WeightTransfer.ApplyToFile(plan, source, target, outPath));

        Assert.StartsWith("The plan from planned to six cannot be applied (4 problems): Source 'fc.5.weight' is [10, 84]", e.Message);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*out*"));
    }

    [Theory]
    [InlineData("five.pt")]
    [InlineData("five.safetensors")]
    [InlineData("five.dat")]
    public void A_checkpoint_applied_into_a_model_gives_exact_values_for_whole_and_partial_copies(string file)
    {
        using LeNet5 five = new();
        using LeNet6 six = new();
        string path = Saved(five, file);
        RuleSet rules = RuleSet.Builder().Shape(ShapePolicy.Slice, "fc.5.*").Build();
        using Checkpoint checkpoint = CheckpointReader.Open(path);
        TransferPlan plan = TransferPlanner.Plan(checkpoint.Specs, ModelSpecs.Of(six), rules, file, "six");
        Dictionary<string, float[]> before = Snapshot(six);

        ApplyReport report = PlanApplier.Apply(plan, six, checkpoint);

        Assert.Equal(new ApplyReport(8, 2, 60856 + (10 * 84) + 10, 0), report);
        Dictionary<string, float[]> source = Snapshot(five);
        Dictionary<string, float[]> after = Snapshot(six);
        foreach (string key in new[] { "conv.0.weight", "conv.0.bias", "conv.3.weight", "conv.3.bias", "fc.1.weight", "fc.1.bias", "fc.3.weight", "fc.3.bias" })
        {
            Assert.Equal(source[key], after[key]);
        }

        Assert.Equal(source["fc.5.weight"], after["fc.5.weight"].Take(10 * 84));
        Assert.Equal(before["fc.5.weight"].Skip(10 * 84), after["fc.5.weight"].Skip(10 * 84));
        Assert.Equal(source["fc.5.bias"].Concat(before["fc.5.bias"].Skip(10)), after["fc.5.bias"]);
        Assert.Equal(before["fc.7.weight"], after["fc.7.weight"]);
    }

    [Fact]
    public void A_cast_entry_from_a_checkpoint_is_converted_into_the_parameter()
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> wide = torch.nn.Linear(3, 2);
        wide.to(torch.float64);
        using torch.nn.Module<torch.Tensor, torch.Tensor> target = torch.nn.Linear(3, 2);
        string path = Path.Combine(Fixture.TempFolder(), "wide.safetensors");
        CheckpointWriter.Write(path, StateDictOrder.Entries(wide));
        using Checkpoint checkpoint = CheckpointReader.Open(path);
        TransferPlan plan = TransferPlanner.Plan(checkpoint.Specs, ModelSpecs.Of(target), RuleSet.Builder().DTypeMismatch(DTypePolicy.Cast).Build());

        ApplyReport report = PlanApplier.Apply(plan, target, checkpoint);

        Assert.Equal(new ApplyReport(2, 0, 8, 2), report);
        Assert.Equal(
            wide.state_dict()["weight"].to_type(torch.float32).data<float>().ToArray(),
            target.state_dict()["weight"].data<float>().ToArray());
    }
}

/// <summary>What applying into a live model allocates, counted by TorchSharp's per-thread tensor statistics.</summary>
public sealed class ApplyAllocationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Applying_a_checkpoint_into_a_model_creates_no_tensor_for_whole_copies_and_none_outside_a_dispose_scope(bool slice)
    {
        using LeNet5 five = new();
        using LeNet6 six = new();
        string path = Path.Combine(Fixture.TempFolder(), "five.safetensors");
        CheckpointWriter.Write(path, StateDictOrder.Entries(five));
        using Checkpoint checkpoint = CheckpointReader.Open(path);
        RuleSet rules = slice ? RuleSet.Builder().Shape(ShapePolicy.Slice, "fc.5.*").Build() : RuleSet.Default;
        TransferPlan plan = TransferPlanner.Plan(checkpoint.Specs, ModelSpecs.Of(six), rules);
        ThreadDisposeScopeStatistics stats = DisposeScopeManager.Statistics;
        long live = stats.ThreadTotalLiveCount;
        long outside = stats.CreatedOutsideScopeCount;
        long inside = stats.CreatedInScopeCount;

        PlanApplier.Apply(plan, six, checkpoint);

        Assert.Equal(live, stats.ThreadTotalLiveCount);
        Assert.Equal(outside, stats.CreatedOutsideScopeCount);
        if (slice)
        {
            // The two partial copies read their sources as tensors and narrow them, all inside scopes.
            Assert.True(stats.CreatedInScopeCount > inside);
        }
        else
        {
            // Whole copies go from the file straight into the parameters' storage: no tensor at all.
            Assert.Equal(inside, stats.CreatedInScopeCount);
        }
    }
}

/// <summary>Large tensors are read into parameters in pieces by several threads; the values must be exact.</summary>
public sealed class PieceReadTests
{
    [Theory]
    [InlineData("wide.pt")]
    [InlineData("wide.safetensors")]
    public void A_tensor_larger_than_one_read_piece_arrives_exactly(string file)
    {
        // 2500 x 2100 float32 = 21 MB: three pieces of at most 8 MiB, the last one short.
        using torch.nn.Module<torch.Tensor, torch.Tensor> source = torch.nn.Linear(2100, 2500);
        using torch.nn.Module<torch.Tensor, torch.Tensor> target = torch.nn.Linear(2100, 2500);
        string path = Path.Combine(Fixture.TempFolder(), file);
        CheckpointWriter.Write(path, StateDictOrder.Entries(source));
        using Checkpoint checkpoint = CheckpointReader.Open(path);
        TransferPlan plan = TransferPlanner.Plan(checkpoint.Specs, ModelSpecs.Of(target), RuleSet.Default);

        ApplyReport report = PlanApplier.Apply(plan, target, checkpoint);

        Assert.Equal(new ApplyReport(2, 0, (2500 * 2100) + 2500, 0), report);
        Assert.Equal(source.state_dict()["weight"].data<float>().ToArray(), target.state_dict()["weight"].data<float>().ToArray());
        Assert.Equal(source.state_dict()["bias"].data<float>().ToArray(), target.state_dict()["bias"].data<float>().ToArray());
    }
}

/// <summary>Tied parameters (one storage under two names) are written in plan order, never by two threads at once.</summary>
public sealed class TiedParameterTests
{
    private sealed class Tied : torch.nn.Module
    {
        public Tied()
            : base(nameof(Tied))
        {
            torch.nn.Module<torch.Tensor, torch.Tensor> first = torch.nn.Linear(300, 300, hasBias: false);
            torch.nn.Module<torch.Tensor, torch.Tensor> second = torch.nn.Linear(300, 300, hasBias: false);
            register_module("a", first);
            register_module("b", second);
            ((TorchSharp.Modules.Linear)second).weight = ((TorchSharp.Modules.Linear)first).weight;
        }
    }

    [Fact]
    public void The_last_planned_source_wins_for_tied_parameters_as_in_load_state_dict()
    {
        using Tied model = new();
        using torch.Tensor ones = torch.ones(300, 300);
        using torch.Tensor twos = torch.full(300, 300, 2f);
        string path = Path.Combine(Fixture.TempFolder(), "tied.safetensors");
        CheckpointWriter.Write(path, [KeyValuePair.Create("a.weight", ones), KeyValuePair.Create("b.weight", twos)]);
        using Checkpoint checkpoint = CheckpointReader.Open(path);
        TransferPlan plan = TransferPlanner.Plan(checkpoint.Specs, ModelSpecs.Of(model), RuleSet.Default);

        ApplyReport report = PlanApplier.Apply(plan, model, checkpoint);

        Assert.Equal(2, report.Loaded);
        Assert.All(model.state_dict()["a.weight"].data<float>().ToArray(), v => Assert.Equal(2f, v));
    }
}
