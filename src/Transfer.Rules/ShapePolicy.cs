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

/// <summary>What the planner does when a matched source tensor's dtype differs from its target's.</summary>
public enum DTypePolicy
{
    /// <summary>Cast the source to the target's dtype; the entry says <c>cast</c>.</summary>
    Cast,

    /// <summary>Refuse: the entry is <c>skipped</c> (<c>dtype_mismatch</c>) and the plan fails.</summary>
    Error,
}

/// <summary>
/// How target keys find their source. <see cref="Name"/> always runs first on the renamed source keys; the
/// others are fallbacks for targets still unmatched, and never guess between equals.
/// </summary>
public enum MatchStrategy
{
    /// <summary>The renamed source key equals the target key.</summary>
    Name,

    /// <summary>
    /// The unique unused source with the longest common dotted suffix and the same shape (detectron2-style):
    /// <c>backbone.layer1.conv.weight</c> finds <c>layer1.conv.weight</c>.
    /// </summary>
    Suffix,

    /// <summary>
    /// Remaining targets and sources of one shape are paired in order when their counts agree: a renamed
    /// container (<c>moon.0 … moon.11</c> → <c>conv.*</c>/<c>fc.*</c>) lines up by shape.
    /// </summary>
    Structural,
}
