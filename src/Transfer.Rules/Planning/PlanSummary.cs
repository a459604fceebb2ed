namespace Transfer.Rules.Planning;

/// <summary>Counts of a plan's entries by status, and how much of the target the plan fills.</summary>
/// <param name="Loaded">Target tensors loaded whole.</param>
/// <param name="Partial">Target tensors loaded in part (slice policy).</param>
/// <param name="Skipped">Target tensors with a source that was not used.</param>
/// <param name="Missing">Target tensors with no source.</param>
/// <param name="Unused">Source tensors no target uses.</param>
/// <param name="LoadedElements">Target elements that receive a source value.</param>
/// <param name="TargetElements">All target elements.</param>
public sealed record PlanSummary(
    int Loaded, int Partial, int Skipped, int Missing, int Unused, long LoadedElements, long TargetElements);
