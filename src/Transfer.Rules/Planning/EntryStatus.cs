namespace Transfer.Rules.Planning;

/// <summary>What happens to one tensor when a plan is applied.</summary>
public enum EntryStatus
{
    /// <summary>The target tensor takes the source tensor's value whole.</summary>
    Loaded,

    /// <summary>
    /// The target tensor takes the overlapping block of a differently shaped source (policy <c>slice</c>), or
    /// the source adapted to its input channels (policy <c>adapt_channels</c>).
    /// </summary>
    Partial,

    /// <summary>A source was found for the target tensor but not used; the reason says why. The target is kept or initialised as <see cref="PlanEntry.Init"/> says.</summary>
    Skipped,

    /// <summary>No source tensor maps to the target tensor; it keeps its value unless an init rule gives it another (<see cref="PlanEntry.Init"/>).</summary>
    Missing,

    /// <summary>A source tensor that no target entry uses.</summary>
    Unused,
}
