namespace Transfer.Rules.Planning;

/// <summary>
/// The decision, as data, of which source tensor feeds each target tensor. One entry per target tensor in
/// target order, then one <see cref="EntryStatus.Unused"/> entry per unused source tensor in source order.
/// Applying a plan only copies what it says; reports are views of it.
/// </summary>
public sealed record TransferPlan
{
    /// <summary>A label for the source (usually its file path).</summary>
    public required string SourceName { get; init; }

    /// <summary>A label for the target (a file path or a model name).</summary>
    public required string TargetName { get; init; }

    /// <summary>The entries, targets first in target order, then unused sources in source order.</summary>
    public required IReadOnlyList<PlanEntry> Entries { get; init; }

    /// <summary>Counts derived from <see cref="Entries"/>.</summary>
    public required PlanSummary Summary { get; init; }
}
