using TorchSharp;
using Transfer.Data;
using Transfer.Freezing;
using Transfer.Models;
using Transfer.Rules.Errors;
using Transfer.Training;
using static TorchSharp.torch.nn;

namespace Transfer.Tests.Freezing;

public sealed class FreezerTests
{
    private static Module<torch.Tensor, torch.Tensor> TinyBnNet()
    {
        Module<torch.Tensor, torch.Tensor> model = Sequential(
            ("conv", Conv2d(1, 4, 3)),
            ("bn", BatchNorm2d(4)),
            ("relu", ReLU()),
            ("flat", Flatten()),
            ("fc", Linear(4 * 6 * 6, 3)));
        using torch.Generator g = new(5);
        SeededInit.Apply(model, g);
        return model;
    }

    private static LabeledTensors RandomData(int count)
    {
        using torch.Generator g = new torch.Generator(3);
        return new LabeledTensors(torch.randn([count, 1, 8, 8], generator: g), torch.randint(0, 3, [count], generator: g, dtype: torch.int64), 3);
    }

    private static Dictionary<string, byte[]> Bytes(torch.nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.contiguous().bytes.ToArray());

    [Fact]
    public void Report_lists_every_parameter_in_order_with_element_counts()
    {
        using LeNet6 model = new();
        FreezeReport report = Freezer.Apply(model, new FreezeSpec(["conv.*", "fc.1.*"]));
        Assert.Equal(
            new FrozenParameter[]
            {
                new("conv.0.weight", 150, true), new("conv.0.bias", 6, true),
                new("conv.3.weight", 2400, true), new("conv.3.bias", 16, true),
                new("fc.1.weight", 48000, true), new("fc.1.bias", 120, true),
                new("fc.3.weight", 10080, false), new("fc.3.bias", 84, false),
                new("fc.5.weight", 5376, false), new("fc.5.bias", 64, false),
                new("fc.7.weight", 640, false), new("fc.7.bias", 10, false),
            },
            report.Parameters);
        Assert.Equal((6, 6, 50692L, 16254L), (report.FrozenCount, report.TrainableCount, report.FrozenElements, report.TrainableElements));
        Assert.All(model.named_parameters(), p => Assert.Equal(!p.name.StartsWith("conv", StringComparison.Ordinal) && !p.name.StartsWith("fc.1", StringComparison.Ordinal), p.parameter.requires_grad));
    }

    [Fact]
    public void Globs_match_whole_names_and_star_crosses_dots()
    {
        FreezeSpec spec = new(["conv.*", "fc.?.bias"]);
        Assert.True(spec.Matches("conv.0.weight"));
        Assert.True(spec.Matches("fc.5.bias"));
        Assert.False(spec.Matches("fc.5.weight"));
        Assert.False(spec.Matches("fc.10.bias"));
        Assert.False(spec.Matches("xconv.0.weight"));
    }

    [Fact]
    public void Unmatched_lists_the_patterns_that_match_no_parameter_so_they_can_be_refused_before_freezing()
    {
        using LeNet5 model = new();
        FreezeSpec spec = new(["convs.*", "conv.0.*", "fc.9.?"]);
        Assert.Equal(["convs.*", "fc.9.?"], spec.Unmatched(model.named_parameters().Select(p => p.name)));
    }

    [Fact]
    public void Frozen_parameters_and_BatchNorm_statistics_stay_bitwise_unchanged_under_eval_policy()
    {
        using Module<torch.Tensor, torch.Tensor> model = TinyBnNet();
        Freezer.Apply(model, new FreezeSpec(["conv.*", "bn.*"]));
        Dictionary<string, byte[]> before = Bytes(model);
        using torch.optim.Optimizer adam = torch.optim.Adam(model.parameters(), 1e-2);
        using LabeledTensors data = RandomData(64);

        for (int epoch = 0; epoch < 2; epoch++)
        {
            TrainingLoop.TrainEpoch(model, adam, data, 16, enterTrainMode: m => TrainMode.Enter(m, FrozenBatchNorm.Eval));
        }

        Dictionary<string, byte[]> after = Bytes(model);
        foreach (string key in new[] { "conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked" })
        {
            Assert.Equal(before[key], after[key]);
        }

        Assert.NotEqual(before["fc.weight"], after["fc.weight"]);
    }

    [Fact]
    public void Under_train_policy_frozen_BatchNorm_statistics_keep_updating()
    {
        using Module<torch.Tensor, torch.Tensor> model = TinyBnNet();
        Freezer.Apply(model, new FreezeSpec(["conv.*", "bn.*"], FrozenBatchNorm.Train));
        Dictionary<string, byte[]> before = Bytes(model);
        using torch.optim.Optimizer adam = torch.optim.Adam(model.parameters(), 1e-2);
        using LabeledTensors data = RandomData(32);

        TrainingLoop.TrainEpoch(model, adam, data, 16, enterTrainMode: m => TrainMode.Enter(m, FrozenBatchNorm.Train));

        Dictionary<string, byte[]> after = Bytes(model);
        Assert.Equal(before["bn.weight"], after["bn.weight"]);
        Assert.NotEqual(before["bn.running_mean"], after["bn.running_mean"]);
    }

    [Fact]
    public void Enter_keeps_only_frozen_BatchNorm_layers_in_eval_mode()
    {
        using Module<torch.Tensor, torch.Tensor> model = TinyBnNet();
        Freezer.Apply(model, new FreezeSpec(["bn.*"]));
        Assert.Equal(new[] { "bn" }, TrainMode.Enter(model));
        Assert.True(model.training);
        Assert.All(model.named_modules(), m => Assert.Equal(m.name != "bn", m.module.training));

        Freezer.Apply(model, new FreezeSpec(["conv.*"]));
        Assert.Empty(TrainMode.Enter(model));
        Assert.All(model.modules(), m => Assert.True(m.training));
    }

    [Fact]
    public void Trainable_parameters_exclude_frozen_ones()
    {
        using LeNet5 model = new();
        Freezer.Apply(model, new FreezeSpec(["conv.*"]));
        Assert.Equal(6, Freezer.TrainableParameters(model).Count());
    }
}
