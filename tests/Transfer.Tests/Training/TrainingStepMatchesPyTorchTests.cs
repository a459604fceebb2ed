using System.Text.Json;
using TorchSharp;
using Transfer.Data;
using Transfer.FineTuning.Config;
using Transfer.Training;
using static TorchSharp.torch;

namespace Transfer.Tests.Training;

/// <summary>
/// One optimizer step made of two accumulated batches, with label smoothing (or BCE on a one-logit head),
/// gradient clipping that bites, and a weight average, gives PyTorch 1.13's weights and average to 1e-6.
/// </summary>
public sealed class TrainingStepMatchesPyTorchTests
{
    private const string Script = """
        import json, sys, torch
        import torch.nn.functional as F
        c = json.loads(sys.argv[1])
        outputs = c["outputs"]
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, outputs))
        with torch.no_grad():
            model[1].weight.copy_(torch.arange(4 * outputs, dtype=torch.float32).reshape(outputs, 4) * 0.1 - 0.5)
            model[1].bias.copy_(torch.arange(outputs, dtype=torch.float32) * 0.2 - 0.1)
        x = torch.sin(torch.arange(32, dtype=torch.float32)).reshape(8, 1, 2, 2)
        y = torch.tensor(c["labels"])
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        ema = {k: v.detach().clone().float() for k, v in model.state_dict().items()}
        opt.zero_grad()
        for b in range(2):
            logits = model(x[b * 4:(b + 1) * 4])
            t = y[b * 4:(b + 1) * 4]
            if c["loss"] == "bce":
                loss = F.binary_cross_entropy_with_logits(logits.reshape(-1), t.float())
            else:
                loss = F.cross_entropy(logits, t, label_smoothing=c["smoothing"])
            (loss / 2).backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), c["clip"])
        opt.step()
        for k, v in model.state_dict().items():
            ema[k].lerp_(v.float(), 1 - c["decay"])
        out = {k: v.reshape(-1).tolist() for k, v in model.state_dict().items()}
        out.update({"ema." + k: v.reshape(-1).tolist() for k, v in ema.items()})
        out["norm"] = [float(norm)]
        print(json.dumps(out))
        """;

    [SkippableTheory]
    [InlineData("cross_entropy", 3, 0.2, 0.05)]
    [InlineData("cross_entropy", 3, 0.0, 100.0)]
    [InlineData("bce", 1, 0.0, 0.05)]
    [InlineData("bce", 1, 0.0, 100.0)]
    public void Accumulated_clipped_smoothed_step_and_its_average_equal_pytorchs(string loss, int outputs, double smoothing, double clip)
    {
        Skip.IfNot(PyTorchProcess.Available, "PyTorch is not importable from /usr/bin/python3");
        long[] labels = loss == "bce" ? [0, 1, 1, 0, 1, 0, 0, 1] : [0, 1, 2, 0, 1, 2, 1, 0];
        const double decay = 0.9;
        using var model = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear(4, outputs)));
        using (no_grad())
        {
            Dictionary<string, Tensor> state = model.state_dict();
            state["1.weight"].copy_((arange(4 * outputs, dtype: float32).reshape(outputs, 4) * 0.1) - 0.5);
            state["1.bias"].copy_((arange(outputs, dtype: float32) * 0.2) - 0.1);
        }

        using LabeledTensors data = new(sin(arange(32, dtype: float32)).reshape(8, 1, 2, 2), tensor(labels), loss == "bce" ? 2 : 3);
        using optim.Optimizer sgd = optim.SGD(model.parameters(), 0.5);
        using ModelEma ema = new(model, decay);
        TrainingStep step = new()
        {
            Loss = new ClassifierLoss(loss == "bce" ? LossKind.Bce : LossKind.CrossEntropy, smoothing),
            GradClip = clip,
            Accumulate = 2,
            Ema = ema,
        };
        EpochPosition end = TrainingLoop.TrainEpochFrom(model, sgd, data, 4, null, null, null, EpochPosition.Start, step, CancellationToken.None);

        Dictionary<string, double[]> torch = JsonSerializer.Deserialize<Dictionary<string, double[]>>(PyTorchProcess.Run(
            Script, JsonSerializer.Serialize(new { loss, outputs, smoothing, clip, decay, labels })))!;
        // A small clip must bite (so clipping is tested); a large one must not (so the 1/accumulate scale is).
        Assert.True(clip < 1 ? torch["norm"][0] > clip * 2 : torch["norm"][0] < clip, $"gradient norm {torch["norm"][0]} against clip {clip}");
        Assert.Equal(8, end.Examples);
        Dictionary<string, double[]> trained = Values(model);
        foreach (string key in new[] { "1.weight", "1.bias" })
        {
            AssertClose(torch[key], trained[key]);
        }

        using (ema.Swap())
        {
            Dictionary<string, double[]> averaged = Values(model);
            AssertClose(torch["ema.1.weight"], averaged["1.weight"]);
            AssertClose(torch["ema.1.bias"], averaged["1.bias"]);
        }

        Assert.Equal(trained, Values(model)); // the swap restored the trained weights exactly
    }

    private static Dictionary<string, double[]> Values(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to(float64).data<double>().ToArray());

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"element {i}: PyTorch {expected[i]}, ours {actual[i]}");
        }
    }
}
