namespace Transfer.Rules;

/// <summary>
/// The rules a plan is made with. <see cref="Default"/> matches by exact name and skips shape mismatches,
/// which is what PyTorch's <c>load_state_dict(strict=False)</c> users expect, minus the crash on shapes.
/// </summary>
public sealed record RuleSet
{
    /// <summary>Exact names, shape mismatches skipped and reported.</summary>
    public static RuleSet Default { get; } = new();
}
