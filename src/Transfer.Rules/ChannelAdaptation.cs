namespace Transfer.Rules;

/// <summary>
/// When the <see cref="ShapePolicy.AdaptChannels"/> policy applies: conv weights [out, in, kh, kw] on both
/// sides that differ in <c>in</c> alone. The planner and the applier ask the same question here.
/// </summary>
public static class ChannelAdaptation
{
    /// <summary>True when a source weight of <paramref name="source"/> can be adapted to <paramref name="target"/>.</summary>
    public static bool Fits(IReadOnlyList<long> source, IReadOnlyList<long> target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        return source.Count == 4 && target.Count == 4
            && source[0] == target[0] && source[2] == target[2] && source[3] == target[3]
            && source[1] > 0 && target[1] > 0;
    }

    internal static string Misfit(TensorSpec source, TensorSpec target) =>
        $"{target.Name}: adapt_channels needs 4-D conv weights [out, in, kh, kw] that differ only in input channels (dim 1), " +
        $"but the source is {TensorSpec.FormatShape(source.Shape)} and the target {TensorSpec.FormatShape(target.Shape)}.";
}
