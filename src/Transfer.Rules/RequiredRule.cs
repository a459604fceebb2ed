namespace Transfer.Rules;

/// <summary>
/// Target keys that must load (whole or partial); the plan fails naming each one that does not, so a wrapper prefix that silently matches nothing is caught.
/// </summary>
public sealed record RequiredRule : ITargetRule
{
    private readonly GlobSet _globs;

    /// <summary>Creates the rule from keys or globs; throws <see cref="Errors.RuleConfigException"/> when empty.</summary>
    public RequiredRule(params IReadOnlyList<string> patterns)
    {
        Patterns = GlobSet.Check("required", patterns);
        _globs = new GlobSet(Patterns);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Patterns { get; }

    /// <inheritdoc />
    public bool Matches(string targetKey) => _globs.Matches(targetKey);

    /// <summary>Rules are equal when their patterns are, in order.</summary>
    public bool Equals(RequiredRule? other) => other is not null && Patterns.SequenceEqual(other.Patterns);

    /// <inheritdoc />
    public override int GetHashCode() => RuleText.Hash(Patterns);

    /// <inheritdoc />
    public string Describe() => "required " + RuleText.Patterns(Patterns);
}
