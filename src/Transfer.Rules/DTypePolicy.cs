namespace Transfer.Rules;

/// <summary>What the planner does when a matched source tensor's dtype differs from its target's.</summary>
public enum DTypePolicy
{
    /// <summary>Cast the source to the target's dtype; the entry says <c>cast</c>.</summary>
    Cast,

    /// <summary>Refuse: the entry is <c>skipped</c> (<c>dtype_mismatch</c>) and the plan fails.</summary>
    Error,
}
