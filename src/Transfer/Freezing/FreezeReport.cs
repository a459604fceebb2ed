namespace Transfer.Freezing;

/// <summary>One parameter after freezing: its name, element count and whether it is frozen.</summary>
/// <param name="Name">The parameter's state-dict key.</param>
/// <param name="Elements">How many values it holds.</param>
/// <param name="Frozen">True when it no longer receives gradients.</param>
public sealed record FrozenParameter(string Name, long Elements, bool Frozen);

/// <summary>Every parameter of a model in state-dict order, frozen or trainable, with totals.</summary>
/// <param name="Parameters">One line per parameter, in PyTorch's state-dict order.</param>
public sealed record FreezeReport(IReadOnlyList<FrozenParameter> Parameters)
{
    /// <summary>What decided the freezing: freeze patterns, or the model's own <c>requires_grad</c> flags.</summary>
    public FreezeSource Source { get; init; } = FreezeSource.Patterns;

    /// <summary>How many parameters are frozen.</summary>
    public int FrozenCount => Parameters.Count(p => p.Frozen);

    /// <summary>How many parameters are trainable.</summary>
    public int TrainableCount => Parameters.Count(p => !p.Frozen);

    /// <summary>Values in frozen parameters.</summary>
    public long FrozenElements => Parameters.Where(p => p.Frozen).Sum(p => p.Elements);

    /// <summary>Values in trainable parameters.</summary>
    public long TrainableElements => Parameters.Where(p => !p.Frozen).Sum(p => p.Elements);
}

/// <summary>What decided which parameters a run freezes.</summary>
public enum FreezeSource
{
    /// <summary>Freeze patterns (<c>finetune.freeze</c>, a <see cref="FreezeSpec"/>).</summary>
    Patterns,

    /// <summary>
    /// No freeze patterns were given, so the model's <c>requires_grad</c> flags were kept as the caller left
    /// them.
    /// </summary>
    Model,
}
