using Transfer.Rules.Errors;

namespace Transfer.Rules.Planning;

/// <summary>
/// The decision, as data, of which source tensor feeds each target tensor. One entry per target tensor in
/// target order, then one <see cref="EntryStatus.Unused"/> entry per unused source tensor in source order.
/// Applying a plan only copies what it says; reports are views of it. Planning never throws for what the
/// rules forbid: such plans carry <see cref="Problems"/>, and <see cref="EnsureValid"/> throws for them, so a
/// caller can always render the report first.
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

    /// <summary>
    /// The seed the random init policies of <see cref="Entries"/> draw from: the rules' seed, or 0 when they
    /// set none. Applying the same plan twice writes the same values.
    /// </summary>
    public long Seed { get; init; }

    /// <summary>
    /// What the rules forbid in this plan: error-policy shape or dtype mismatches, two sources for one target,
    /// required keys not loaded, coverage below <c>min_loaded</c>. In target order, whole-plan problems last.
    /// </summary>
    public IReadOnlyList<PlanProblem> Problems { get; init; } = [];

    /// <summary>True when the plan has no <see cref="Problems"/> and may be applied.</summary>
    public bool IsValid => Problems.Count == 0;

    /// <summary>Throws one <see cref="TransferPlanException"/> carrying this plan and naming every problem.</summary>
    /// <returns>This plan, when valid, so calls chain.</returns>
    public TransferPlan EnsureValid()
    {
        if (IsValid)
        {
            return this;
        }

        const int Shown = 20;
        string listed = string.Join("; ", Problems.Take(Shown).Select(p => p.Message.TrimEnd('.')));
        if (Problems.Count > Shown)
        {
            listed += $"; and {Problems.Count - Shown} more";
        }

        listed += ".";

        string head = Problems.Count == 1
            ? $"The plan from {SourceName} to {TargetName} fails: "
            : $"The plan from {SourceName} to {TargetName} fails with {Problems.Count} problems: ";
        throw new TransferPlanException(head + listed, this);
    }
}
