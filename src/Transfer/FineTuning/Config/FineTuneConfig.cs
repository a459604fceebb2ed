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
}

/// <summary>The <c>finetune.scheduler:</c> section.</summary>
/// <param name="Type">Which schedule.</param>
/// <param name="StepSize">Epochs between decays (step).</param>
/// <param name="Gamma">Decay factor (step).</param>
public sealed record SchedulerConfig(SchedulerType Type = SchedulerType.None, int StepSize = 1, double Gamma = 0.1);

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
