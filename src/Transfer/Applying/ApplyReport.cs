namespace Transfer.Applying;

/// <summary>What applying a plan did, for logs and for tests that the plan was carried out whole.</summary>
/// <param name="Loaded">Target tensors overwritten whole.</param>
/// <param name="Partial">Target tensors that received a leading block of a differently shaped source.</param>
/// <param name="CopiedElements">Target elements that now hold source values.</param>
/// <param name="Cast">Copies whose source dtype differed from the target's and were converted.</param>
public sealed record ApplyReport(int Loaded, int Partial, long CopiedElements, int Cast)
{
    /// <summary>Target tensors no source fills that an init policy other than keep overwrote.</summary>
    public int Initialized { get; init; }

    /// <summary>The one report builder: what the validated steps do, whichever path carries them out.</summary>
    internal static ApplyReport Of(ApplySteps steps) => new(
        steps.Copies.Count(c => !c.IsPartial),
        steps.Copies.Count(c => c.IsPartial),
        steps.Copies.Sum(c => c.Elements),
        steps.Copies.Count(c => c.IsCast))
    {
        Initialized = steps.Inits.Count,
    };
}
