namespace Transfer.Rules.Planning;

/// <summary>
/// One line of a <see cref="TransferPlan"/>: for a target tensor, where its value comes from and why; for an
/// unused source tensor, that nothing took it.
/// </summary>
public sealed record PlanEntry
{
    /// <summary>The target key; null only for <see cref="EntryStatus.Unused"/> entries.</summary>
    public string? Target { get; init; }

    /// <summary>The source key the target was matched to, if any.</summary>
    public string? Source { get; init; }

    /// <summary>What happens to this tensor.</summary>
    public required EntryStatus Status { get; init; }

    /// <summary>Why a tensor is skipped or missing (<c>shape_mismatch</c>, <c>excluded</c>,
    /// <c>dtype_mismatch</c>, <c>no_source</c>, <c>ambiguous</c>, <c>conflict</c>).</summary>
    public string? Reason { get; init; }

    /// <summary>The strategy or rule that matched the source to the target (<c>name</c>, <c>suffix</c>,
    /// <c>structural</c>, or the key rules that renamed the source, e.g. <c>strip_prefix 'module.'</c>)..</summary>
    public string? Rule { get; init; }

    /// <summary>
    /// The sources that could not be told apart (reason <c>ambiguous</c>) or that all resolve to this target
    /// (reason <c>conflict</c>), in source order; null otherwise.
    /// </summary>
    public IReadOnlyList<string>? Candidates { get; init; }

    /// <summary>True when the source is loaded (whole or partly) and cast from <see cref="SourceDtype"/> to <see cref="TargetDtype"/>.</summary>
    public bool Cast { get; init; }

    /// <summary>
    /// The shape policy that made a <see cref="EntryStatus.Partial"/> entry: <see cref="ShapePolicy.Slice"/>
    /// or <see cref="ShapePolicy.AdaptChannels"/>; null for every other entry.
    /// </summary>
    public ShapePolicy? Policy { get; init; }

    /// <summary>
    /// For a target no source fills (<c>missing</c>, or <c>skipped</c> and so kept), how it gets its value:
    /// <see cref="TensorInit.Keep"/> unless an init rule matches it; null for entries a source fills and for
    /// unused sources.
    /// </summary>
    public TensorInit? Init { get; init; }

    /// <summary>The source tensor's shape, when there is a source.</summary>
    public IReadOnlyList<long>? SourceShape { get; init; }

    /// <summary>The target tensor's shape, when there is a target.</summary>
    public IReadOnlyList<long>? TargetShape { get; init; }

    /// <summary>The source tensor's dtype, when there is a source.</summary>
    public string? SourceDtype { get; init; }

    /// <summary>The target tensor's dtype, when there is a target.</summary>
    public string? TargetDtype { get; init; }
}
