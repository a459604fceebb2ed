namespace Transfer.Applying;

/// <summary>What applying a plan did, for logs and for tests that the plan was carried out whole.</summary>
/// <param name="Loaded">Target tensors overwritten whole.</param>
/// <param name="Partial">Target tensors that received a leading block of a differently shaped source.</param>
/// <param name="CopiedElements">Target elements that now hold source values.</param>
/// <param name="Cast">Copies whose source dtype differed from the target's and were converted.</param>
public sealed record ApplyReport(int Loaded, int Partial, long CopiedElements, int Cast)
{
    /// <summary>The one report builder: what the validated copies do, whichever path carries them out.</summary>
    internal static ApplyReport Of(IReadOnlyList<PlannedCopy> copies) => new(
        copies.Count(c => !c.IsPartial),
        copies.Count(c => c.IsPartial),
        copies.Sum(c => c.Elements),
        copies.Count(c => c.IsCast));
}
