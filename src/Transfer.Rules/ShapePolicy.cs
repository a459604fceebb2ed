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

    /// <summary>
    /// Adapt a first convolution to another number of input channels, as timm's <c>adapt_input_conv</c>: a
    /// source weight [O, C, kh, kw] becomes [O, 1, kh, kw] by summing over its channels, or [O, N, kh, kw] by
    /// repeating its channels cyclically to N and scaling by C / N, so a grey or N-band image sees the
    /// response of a colour image. Reported <c>partial</c>; only for 4-D weights that differ in dim 1 alone,
    /// and only in per-glob <c>shape</c> rules.
    /// </summary>
    AdaptChannels,
}
