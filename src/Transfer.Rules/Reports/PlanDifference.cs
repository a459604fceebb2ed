namespace Transfer.Rules.Reports;

/// <summary>One entry whose fate differs between a saved plan report and a new plan.</summary>
/// <param name="Entry">The target key, or <c>unused &lt;source key&gt;</c> for an unused source.</param>
/// <param name="Change">What changed, e.g. <c>status loaded -> skipped, reason - -> shape_mismatch</c>,
/// <c>new entry (missing, no_source)</c> or <c>gone (was loaded from 'fc.weight')</c>.</param>
public sealed record PlanDifference(string Entry, string Change)
{
    /// <summary>The difference as one line: <c>fc.5.weight: status loaded -> skipped</c>.</summary>
    public override string ToString() => $"{Entry}: {Change}";
}
