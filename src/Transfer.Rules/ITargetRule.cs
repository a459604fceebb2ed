namespace Transfer.Rules;

/// <summary>
/// A rule that selects target keys by glob (<c>*</c> any run of characters, <c>?</c> one character), such as
/// <c>exclude</c>, <c>include</c>, <c>required</c> and per-glob <c>shape</c> policies.
/// </summary>
public interface ITargetRule : IRule
{
    /// <summary>The globs, as written.</summary>
    IReadOnlyList<string> Patterns { get; }

    /// <summary>True when the target key matches one of <see cref="Patterns"/>.</summary>
    bool Matches(string targetKey);
}
