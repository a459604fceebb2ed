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
    private readonly IReadOnlyList<PlanEntry> _entries = [];

    internal TransferPlan()
    {
    }

    /// <summary>A label for the source (usually its file path).</summary>
    public string SourceName { get; internal init; } = "source";

    /// <summary>A label for the target (a file path or a model name).</summary>
    public string TargetName { get; internal init; } = "target";

    /// <summary>The entries, targets first in target order, then unused sources in source order.</summary>
    public IReadOnlyList<PlanEntry> Entries
    {
        get => _entries;
        internal init
        {
            Summary = PlanInvariants.Check(value);
            _entries = value;
        }
    }

    /// <summary>Counts derived from <see cref="Entries"/>.</summary>
    public PlanSummary Summary { get; private init; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>
    /// The seed the random init policies of <see cref="Entries"/> draw from: the rules' seed, or 0 when they
    /// set none. Applying the same plan twice writes the same values.
    /// </summary>
    public long Seed { get; internal init; }

    /// <summary>
    /// What the rules forbid in this plan: error-policy shape or dtype mismatches, two sources for one target,
    /// ambiguous targets, required keys not loaded, coverage below <c>min_loaded</c>, nothing loaded at all. In
    /// target order, whole-plan problems last.
    /// </summary>
    public IReadOnlyList<PlanProblem> Problems { get; internal init; } = [];

    /// <summary>
    /// Rules that would make more of the target load, best first, when the plan loads less than half of the
    /// target's tensors; empty otherwise. Reports print them, and so does the problem of a plan that loads nothing.
    /// </summary>
    public IReadOnlyList<RuleSuggestion> Suggestions { get; internal init; } = [];

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
