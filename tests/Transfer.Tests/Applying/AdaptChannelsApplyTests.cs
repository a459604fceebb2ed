using TorchSharp;
using Transfer.Applying;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Planning;

namespace Transfer.Tests.Applying;

/// <summary>
/// adapt_channels writes timm's <c>adapt_input_conv</c> values: the channel sum for one input channel, the
/// channels repeated cyclically and scaled by C / N for N.
/// </summary>
public sealed class AdaptChannelsApplyTests
{
    private const long Out = 2, Height = 2, Width = 3;

    /// <summary>A [2, C, 2, 3] weight whose values are not round: ((i × 37) mod 101) / 7 − 5 in float32.</summary>
    private static torch.Tensor Weight(long channels) =>
        ((torch.arange(Out * channels * Height * Width, dtype: torch.int64) * 37 % 101).to_type(torch.float32) / 7 - 5)
            .reshape(Out, channels, Height, Width);

    /// <summary>Adapts a C-channel weight into a fresh Conv2d with N input channels through the planner and the applier.</summary>
    private static float[] Adapted(long from, long to, out ApplyReport report)
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> conv = torch.nn.Conv2d(to, Out, (Height, Width), bias: false);
        using torch.Tensor source = Weight(from);
        TransferPlan plan = TransferPlanner.Plan(
            [new TensorSpec("weight", "float32", source.shape)],
            ModelSpecs.Of(conv),
            RuleSet.Builder().Shape(ShapePolicy.AdaptChannels, "weight").Build()).EnsureValid();
        report = PlanApplier.Apply(plan, conv, new Dictionary<string, torch.Tensor> { ["weight"] = source });
        return conv.state_dict()["weight"].data<float>().ToArray();
    }

    /// <summary>The formula, element by element in float32: the sum over channels, or channel j mod C times (float)(C / N).</summary>
    private static float[] Expected(long from, long to)
    {
        using torch.Tensor weight = Weight(from);
        float[] w = weight.data<float>().ToArray();
        float scale = (float)((double)from / to);
        List<float> expected = [];
        for (long o = 0; o < Out; o++)
        {
            for (long c = 0; c < to; c++)
            {
                for (long k = 0; k < Height * Width; k++)
                {
                    if (to == 1)
                    {
                        float sum = 0;
                        for (long s = 0; s < from; s++)
                        {
                            sum += w[(((o * from) + s) * Height * Width) + k];
                        }

                        expected.Add(sum);
                    }
                    else
                    {
                        expected.Add(w[(((o * from) + (c % from)) * Height * Width) + k] * scale);
                    }
                }
            }
        }

        return [.. expected];
    }

    [Theory]
    [InlineData(3, 1)]
    [InlineData(3, 4)]
    [InlineData(1, 3)]
    [InlineData(3, 2)]
    [InlineData(3, 7)]
    public void The_adapted_weight_is_the_formula_exactly(long from, long to)
    {
        float[] actual = Adapted(from, to, out ApplyReport report);

        Assert.Equal(Expected(from, to), actual);
        Assert.Equal(new ApplyReport(0, 1, Out * to * Height * Width, 0), report);
    }

    [Fact]
    public void Three_to_four_channels_repeats_the_first_channel_last_at_three_quarters()
    {
        float[] actual = Adapted(3, 4, out _);
        using torch.Tensor weight = Weight(3);
        float[] w = weight.data<float>().ToArray();

        // Output 0, channel 3, first position: channel 0 of the source times 0.75 (exact in float32).
        Assert.Equal(w[0] * 0.75f, actual[3 * 6]);
        Assert.Equal(w[0] * 0.75f, actual[0]);
    }

    [SkippableTheory]
    [InlineData(3, 1)]
    [InlineData(3, 4)]
    [InlineData(1, 3)]
    [InlineData(3, 5)]
    public void The_adapted_bytes_equal_PyTorch_running_the_same_formula_on_the_same_input(long from, long to)
    {
        Skip.IfNot(PyTorchProcess.Available, "PyTorch is not importable from /usr/bin/python3");
        const string Script = """
            import math, sys, torch
            c, n = (int(v) for v in sys.argv[1].split(','))
            w = ((torch.arange(2 * c * 2 * 3, dtype=torch.int64) * 37 % 101).float() / 7 - 5).reshape(2, c, 2, 3)
            # timm's adapt_input_conv, written out for C input channels
            if n == 1:
                w = w.sum(dim=1, keepdim=True)
            else:
                w = w.repeat(1, int(math.ceil(n / c)), 1, 1)[:, :n, :, :]
                w *= (c / float(n))
            print(w.contiguous().numpy().tobytes().hex())
            """;
        string expected = PyTorchProcess.Run(Script, $"{from},{to}").Trim();

        float[] actual = Adapted(from, to, out _);

        Assert.Equal(expected, Convert.ToHexStringLower(actual.SelectMany(BitConverter.GetBytes).ToArray()));
    }
}
