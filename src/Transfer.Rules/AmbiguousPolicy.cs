namespace Transfer.Rules;

/// <summary>
/// What the planner does with a target that a <c>suffix</c> or <c>structural</c> fallback found several
/// equally good sources for. Refusing is the default, as in detectron2: a guess between equals is how wrong
/// tensors load silently.
/// </summary>
public enum AmbiguousPolicy
{
    /// <summary>The target stays unloaded (reason <c>ambiguous</c>, with its candidates) and the plan fails.</summary>
    Error,

    /// <summary>The target stays unloaded (reason <c>ambiguous</c>, with its candidates) and is only reported.</summary>
    Skip,
}
