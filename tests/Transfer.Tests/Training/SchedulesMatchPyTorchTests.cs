using System.Globalization;
using System.Text.Json;
using Transfer.FineTuning.Config;
using Transfer.Training;

namespace Transfer.Tests.Training;

/// <summary>
/// Every schedule's learning-rate sequence equals PyTorch 1.13's schedulers driven the same way: LinearLR in
/// front of StepLR/CosineAnnealingLR through SequentialLR (stepped per epoch), OneCycleLR (stepped per optimizer
/// step, cycle_momentum=False) and ReduceLROnPlateau (stepped with each epoch's metric).
/// </summary>
public sealed class SchedulesMatchPyTorchTests
{
    private const double Lr = 0.1;

    private const string Script = """
        import json, sys, torch
        from torch.optim import lr_scheduler as S
        c = json.loads(sys.argv[1])
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=c["lr"])
        lr = lambda: opt.param_groups[0]["lr"]
        out = []
        if c["kind"] == "onecycle":
            s = S.OneCycleLR(opt, max_lr=c["lr"], total_steps=c["steps"], pct_start=c["pct"], div_factor=c["div"],
                             final_div_factor=c["final"], cycle_momentum=False)
            for _ in range(c["steps"]):
                out.append(lr()); opt.step(); s.step()
        elif c["kind"] == "plateau":
            s = S.ReduceLROnPlateau(opt, mode=c["mode"], factor=c["factor"], patience=c["patience"],
                                    threshold=c["threshold"], min_lr=c["min_lr"])
            for m in c["metrics"]:
                out.append(lr()); opt.step(); s.step(m)
        else:
            w, epochs = c["warmup"], c["epochs"]
            main = (S.StepLR(opt, step_size=c["step_size"], gamma=c["gamma"]) if c["kind"] == "step"
                    else S.CosineAnnealingLR(opt, T_max=epochs - w))
            s = S.SequentialLR(opt, [S.LinearLR(opt, start_factor=c["start"], total_iters=w), main], milestones=[w]) if w else main
            for _ in range(epochs):
                out.append(lr()); opt.step(); s.step()
        print(json.dumps(out))
        """;

    public static TheoryData<string, int, int, double> EpochSchedules => new()
    {
        { "step", 0, 9, 0.1 },
        { "step", 3, 10, 0.25 },
        { "cosine", 0, 7, 0.1 },
        { "cosine", 2, 8, 0.1 },
        { "cosine", 4, 6, 0.5 },
    };

    [SkippableTheory]
    [MemberData(nameof(EpochSchedules))]
    public void Warmup_then_step_or_cosine_gives_pytorchs_rate_every_epoch(string kind, int warmup, int epochs, double start)
    {
        Skip.IfNot(PyTorchProcess.Available, "PyTorch is not importable from /usr/bin/python3");
        SchedulerConfig config = new(kind == "step" ? SchedulerType.Step : SchedulerType.Cosine, 3, 0.5)
        {
            WarmupEpochs = warmup,
            WarmupStartFactor = start,
        };
        double[] ours = [.. Enumerable.Range(1, epochs).Select(e => Lr * LearningRateSchedule.Factor(config, e, epochs))];
        double[] torch = PyTorch(new { kind, lr = Lr, warmup, epochs, start, step_size = 3, gamma = 0.5 });
        AssertSame(torch, ours);
    }

    [SkippableTheory]
    [InlineData(100, 0.3, 25.0, 1e4)]
    [InlineData(37, 0.25, 10.0, 100.0)]
    [InlineData(7, 0.5, 25.0, 1e4)]
    public void Onecycle_gives_pytorchs_rate_every_optimizer_step(int steps, double pct, double div, double final)
    {
        Skip.IfNot(PyTorchProcess.Available, "PyTorch is not importable from /usr/bin/python3");
        SchedulerConfig config = new(SchedulerType.OneCycle) { PctStart = pct, DivFactor = div, FinalDivFactor = final };
        double[] ours = [.. Enumerable.Range(0, steps).Select(s => LearningRateSchedule.OneCycle(config, Lr, s, steps))];
        double[] torch = PyTorch(new { kind = "onecycle", lr = Lr, steps, pct, div, final });
        AssertSame(torch, ours);
    }

    [SkippableTheory]
    [InlineData(Metric.ValLoss, 1, 0.5, 0.0, 0.0)]
    [InlineData(Metric.ValLoss, 0, 0.1, 0.01, 0.002)]
    [InlineData(Metric.ValAcc, 2, 0.5, 1e-4, 0.01)]
    public void Plateau_gives_pytorchs_rate_after_each_epochs_metric(Metric metric, int patience, double factor, double threshold, double minLr)
    {
        Skip.IfNot(PyTorchProcess.Available, "PyTorch is not importable from /usr/bin/python3");
        double[] metrics = [0.9, 0.8, 0.8, 0.81, 0.79, 0.7999, 0.85, 0.6, 0.6, 0.6, 0.61, 0.62, 0.5, 0.5, 0.5, 0.5];
        SchedulerConfig config = new(SchedulerType.Plateau)
        {
            Metric = metric,
            Patience = patience,
            Factor = factor,
            Threshold = threshold,
            MinLr = minLr,
        };
        List<double> ours = [];
        PlateauState state = new(null, 0, []);
        foreach (double m in metrics)
        {
            ours.Add(state.Rate(0, Lr));
            state = state.Step(config, m, [Lr]);
        }

        double[] torch = PyTorch(new
        {
            kind = "plateau",
            lr = Lr,
            mode = metric == Metric.ValAcc ? "max" : "min",
            factor,
            patience,
            threshold,
            min_lr = minLr,
            metrics,
        });
        AssertSame(torch, [.. ours]);
        Assert.True(ours.Distinct().Count() > 1, "the sequence must drop at least once to test anything");
    }

    private static double[] PyTorch(object config) =>
        JsonSerializer.Deserialize<double[]>(PyTorchProcess.Run(Script, JsonSerializer.Serialize(config)))!;

    /// <summary>Equal to double precision (a relative 1e-12 allows only PyTorch's chained multiplications' rounding).</summary>
    private static void AssertSame(double[] torch, double[] ours)
    {
        Assert.Equal(torch.Length, ours.Length);
        for (int i = 0; i < torch.Length; i++)
        {
            Assert.True(
                Math.Abs(torch[i] - ours[i]) <= 1e-12 * Math.Abs(torch[i]),
                string.Create(CultureInfo.InvariantCulture, $"step {i}: PyTorch {torch[i]:R}, ours {ours[i]:R}"));
        }
    }
}
