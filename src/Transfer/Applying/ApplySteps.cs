namespace Transfer.Applying;

/// <summary>Everything a validated plan writes: its copies and its inits, in plan order, decided from specs alone.</summary>
internal sealed record ApplySteps(IReadOnlyList<PlannedCopy> Copies, IReadOnlyList<PlannedInit> Inits)
{
    /// <summary>The target keys these steps write.</summary>
    public IEnumerable<string> Targets => Copies.Select(c => c.Target.Name).Concat(Inits.Select(i => i.Target.Name));
}
