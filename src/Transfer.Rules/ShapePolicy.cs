namespace Transfer.Rules;

/// <summary>What the planner does when a matched source tensor's shape differs from its target's.</summary>
public enum ShapePolicy
{
    /// <summary>Leave the target as initialised and report the entry <c>skipped</c> (<c>shape_mismatch</c>).</summary>
    Skip,

    /// <summary>Report the entry <c>skipped</c> and make the plan fail, naming the key and both shapes.</summary>
    Error,

    /// <summary>
    /// Copy the overlapping block (same rank required) and report the entry <c>partial</c>: a 10-class head
    /// loaded into a 20-class head keeps its 10 rows. Only allowed in per-glob <c>shape</c> rules.
    /// </summary>
    Slice,
}
