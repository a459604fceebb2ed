using Transfer.Freezing;

namespace Transfer.FineTuning.Config;

/// <summary>The <c>finetune:</c> section: everything about training after the transfer.</summary>
public sealed record FineTuneConfig
{
    /// <summary><c>auto</c> (cuda when available), <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>
    /// torch's intra-op threads while the run trains (set for the run, restored after). On CPU, results are
    /// bitwise reproducible only at the same count. The default 1 is measured: on a shared 2-core machine
    /// more threads were slower (see README).
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>How many passes over the training data.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Examples per optimizer step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The optimizer and its base learning rate.</summary>
    public OptimizerConfig Optimizer { get; init; } = new();

    /// <summary>How the learning rate changes from epoch to epoch.</summary>
    public SchedulerConfig Scheduler { get; init; } = new();

    /// <summary>Glob patterns of parameter names that do not train (<c>conv.*</c>).</summary>
    public IReadOnlyList<string> Freeze { get; init; } = [];

    /// <summary>What BatchNorm layers whose parameters are all frozen do while training.</summary>
    public FrozenBatchNorm FrozenBn { get; init; } = FrozenBatchNorm.Eval;

    /// <summary>Learning rates for parameters matching a glob; the first matching group wins.</summary>
    public IReadOnlyList<ParamGroupConfig> ParamGroups { get; init; } = [];

    /// <summary>Frozen parameters that start training at a given epoch, with their own learning rate.</summary>
    public IReadOnlyList<UnfreezeConfig> Unfreeze { get; init; } = [];

    /// <summary>Stop when a validation metric has not improved for a while; null never stops early.</summary>
    public EarlyStoppingConfig? EarlyStopping { get; init; }

    /// <summary>How often to checkpoint and which metric picks <c>best.safetensors</c>.</summary>
    public CheckpointConfig Checkpoint { get; init; } = new();

    // Training features (issue 14): loss, clipping, accumulation, EMA, precision.

    /// <summary>
    /// Clip the total L2 norm of the trainable parameters' gradients to this value before each optimizer step
    /// (as <c>torch.nn.utils.clip_grad_norm_</c>); null does not clip.
    /// </summary>
    public double? GradClip { get; init; }

    /// <summary>
    /// Batches whose gradients add up before one optimizer step; each batch's loss is scaled by 1/accumulate.
    /// A last, shorter group at an epoch's end still steps (with the same 1/accumulate scale).
    /// </summary>
    public int Accumulate { get; init; } = 1;

    /// <summary>Label smoothing of the cross-entropy (as <c>torch.nn.functional.cross_entropy</c>'s), in [0, 1).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>The training loss: cross-entropy over class logits, or BCE-with-logits for a one-logit binary head.</summary>
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    /// <summary>
    /// The decay of an exponential moving average of the weights (as timm's ModelEmaV2, in float32), updated
    /// after every optimizer step; evaluation, <c>best.safetensors</c> and <c>final.safetensors</c> use the
    /// averaged weights. Null keeps no average.
    /// </summary>
    public double? Ema { get; init; }

    /// <summary>The arithmetic of the forward pass: <c>fp32</c>, or <c>bf16</c> autocast where supported.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;
}

/// <summary>The training losses a run can use.</summary>
public enum LossKind
{
    /// <summary>Cross-entropy over one logit per class (optionally label-smoothed).</summary>
    CrossEntropy,

    /// <summary>Binary cross-entropy with logits over a one-logit head and labels 0/1; a logit whose sigmoid is above 0.5 predicts 1.</summary>
    Bce,
}

/// <summary>The arithmetic a run trains in.</summary>
public enum Precision
{
    /// <summary>float32 throughout.</summary>
    Fp32,

    /// <summary>bfloat16 autocast of the forward pass (refused where TorchSharp has no autocast).</summary>
    Bf16,
}

/// <summary>The optimizers a run can use.</summary>
public enum OptimizerType
{
    /// <summary>Stochastic gradient descent, optionally with (Nesterov) momentum.</summary>
    Sgd,

    /// <summary>Adam with L2 weight decay added to the gradient.</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,
}

/// <summary>The <c>finetune.optimizer:</c> section.</summary>
/// <param name="Type">Which optimizer.</param>
/// <param name="Lr">The base learning rate (parameters in no <c>param_groups</c> entry use it).</param>
/// <param name="WeightDecay">Weight decay (L2 for sgd/adam, decoupled for adamw).</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="Nesterov">SGD Nesterov momentum (needs momentum &gt; 0).</param>
public sealed record OptimizerConfig(
    OptimizerType Type = OptimizerType.Adam, double Lr = 1e-3, double WeightDecay = 0, double Momentum = 0,
    bool Nesterov = false);

/// <summary>The learning-rate schedules a run can use.</summary>
public enum SchedulerType
{
    /// <summary>A constant learning rate.</summary>
    None,

    /// <summary>Multiply by <c>gamma</c> every <c>step_size</c> epochs.</summary>
    Step,

    /// <summary>Cosine annealing from the base rate towards zero over the run's epochs.</summary>
    Cosine,

    /// <summary>PyTorch's OneCycleLR (cosine annealing, no momentum cycling), stepped after every optimizer step.</summary>
    OneCycle,

    /// <summary>PyTorch's ReduceLROnPlateau on a validation metric, stepped after every epoch.</summary>
    Plateau,
}

/// <summary>The <c>finetune.scheduler:</c> section.</summary>
/// <param name="Type">Which schedule.</param>
/// <param name="StepSize">Epochs between decays (step).</param>
/// <param name="Gamma">Decay factor (step).</param>
public sealed record SchedulerConfig(SchedulerType Type = SchedulerType.None, int StepSize = 1, double Gamma = 0.1)
{
    /// <summary>Epochs of linear warmup in front of the schedule (PyTorch's LinearLR, stepped per epoch); 0 for none.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>The warmup's factor in its first epoch; it rises linearly to 1 at the first epoch after warmup.</summary>
    public double WarmupStartFactor { get; init; } = 0.1;

    /// <summary>onecycle: the share of the steps spent rising to the peak rate (OneCycleLR's <c>pct_start</c>).</summary>
    public double PctStart { get; init; } = 0.3;

    /// <summary>onecycle: the starting rate is the peak (the group's rate) divided by this.</summary>
    public double DivFactor { get; init; } = 25;

    /// <summary>onecycle: the last rate is the starting rate divided by this.</summary>
    public double FinalDivFactor { get; init; } = 1e4;

    /// <summary>plateau: the watched validation metric (its mode, min or max, follows from it).</summary>
    public Metric Metric { get; init; } = Metric.ValLoss;

    /// <summary>plateau: the factor a rate is multiplied by when the metric stops improving.</summary>
    public double Factor { get; init; } = 0.1;

    /// <summary>plateau: epochs without improvement tolerated before the rate drops.</summary>
    public int Patience { get; init; } = 10;

    /// <summary>plateau: the relative improvement that counts (ReduceLROnPlateau's <c>threshold</c>, mode <c>rel</c>).</summary>
    public double Threshold { get; init; } = 1e-4;

    /// <summary>plateau: the rate below which no group drops.</summary>
    public double MinLr { get; init; }
}

/// <summary>One <c>param_groups</c> entry.</summary>
/// <param name="Match">A glob over parameter names (<c>*</c> any run of characters, <c>?</c> one).</param>
/// <param name="Lr">The learning rate of the matching parameters.</param>
public sealed record ParamGroupConfig(string Match, double Lr);

/// <summary>One <c>unfreeze</c> entry.</summary>
/// <param name="Epoch">The 1-based epoch from which the parameters train.</param>
/// <param name="Match">A glob over parameter names; it must select frozen parameters.</param>
/// <param name="Lr">Their learning rate, as a new optimizer parameter group.</param>
public sealed record UnfreezeConfig(int Epoch, string Match, double Lr);

/// <summary>Validation metrics a run can watch.</summary>
public enum Metric
{
    /// <summary>Validation accuracy (higher is better).</summary>
    ValAcc,

    /// <summary>Validation loss (lower is better).</summary>
    ValLoss,
}

/// <summary>The <c>finetune.early_stopping:</c> section.</summary>
/// <param name="Metric">The metric watched.</param>
/// <param name="Patience">Epochs without improvement before stopping.</param>
public sealed record EarlyStoppingConfig(Metric Metric, int Patience);

/// <summary>The <c>finetune.checkpoint:</c> section.</summary>
/// <param name="Every">Checkpoint every N epochs (the last epoch always is).</param>
/// <param name="KeepBest">The metric that picks <c>best.safetensors</c>.</param>
public sealed record CheckpointConfig(int Every = 1, Metric KeepBest = Metric.ValAcc);
