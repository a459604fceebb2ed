namespace Transfer.Rules.Planning;

/// <summary>
/// One line of a <see cref="TransferPlan"/>: for a target tensor, where its value comes from and why; for an
/// unused source tensor, that nothing took it. Only the planner makes entries, so every entry of a plan is
/// consistent with its status (a loaded entry has its source and both shapes, a skipped one its reason).
/// </summary>
public sealed record PlanEntry
{
    internal PlanEntry()
    {
    }

    /// <summary>The target key; null only for <see cref="EntryStatus.Unused"/> entries.</summary>
    public string? Target { get; internal init; }

    /// <summary>The source key the target was matched to, if any.</summary>
    public string? Source { get; internal init; }

    /// <summary>What happens to this tensor.</summary>
    public EntryStatus Status { get; internal init; }

    /// <summary>Why a tensor is skipped or missing; null when it loads and for unused sources.</summary>
    public EntryReason? Reason { get; internal init; }

    /// <summary>The kind of rule that matched the source to the target; null when nothing matched.</summary>
    public RuleKind? RuleKind { get; internal init; }

    /// <summary>The rule that matched the source to the target, as reports print it (<c>name</c>, <c>suffix</c>,
    /// <c>structural</c>, or the key rules that renamed the source, e.g. <c>strip_prefix 'module.'</c>).</summary>
    public string? Rule { get; internal init; }

    /// <summary>
    /// The sources that could not be told apart (reason <see cref="EntryReason.Ambiguous"/>) or that all resolve
    /// to this target (reason <see cref="EntryReason.Conflict"/>); null otherwise.
    /// </summary>
    public IReadOnlyList<string>? Candidates { get; internal init; }

    /// <summary>True when the source is loaded (whole or partly) and cast from <see cref="SourceDtype"/> to <see cref="TargetDtype"/>.</summary>
    public bool Cast { get; internal init; }

    /// <summary>
    /// The shape policy that made a <see cref="EntryStatus.Partial"/> entry: <see cref="ShapePolicy.Slice"/>
    /// or <see cref="ShapePolicy.AdaptChannels"/>; null for every other entry.
    /// </summary>
    public ShapePolicy? Policy { get; internal init; }

    /// <summary>
    /// For a target no source fills (<c>missing</c>, or <c>skipped</c> and so kept), how it gets its value:
    /// <see cref="TensorInit.Keep"/> unless an init rule matches it; null for entries a source fills and for
    /// unused sources.
    /// </summary>
    public TensorInit? Init { get; internal init; }

    /// <summary>The source tensor's shape, when there is a source.</summary>
    public IReadOnlyList<long>? SourceShape { get; internal init; }

    /// <summary>The target tensor's shape, when there is a target.</summary>
    public IReadOnlyList<long>? TargetShape { get; internal init; }

    /// <summary>The source tensor's dtype, when there is a source.</summary>
    public string? SourceDtype { get; internal init; }

    /// <summary>The target tensor's dtype, when there is a target.</summary>
    public string? TargetDtype { get; internal init; }
}
