namespace Transfer.Rules;

/// <summary>
/// Target keys that never load, even when a source matches them; their entries say <c>excluded</c>. Use it to drop a head that must be trained afresh.
/// </summary>
public sealed record ExcludeRule : ITargetRule
{
    private readonly GlobSet _globs;

    /// <summary>Creates the rule from keys or globs; throws <see cref="Errors.RuleConfigException"/> when empty.</summary>
    public ExcludeRule(params IReadOnlyList<string> patterns)
    {
        Patterns = GlobSet.Check("exclude", patterns);
        _globs = new GlobSet(Patterns);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Patterns { get; }

    /// <inheritdoc />
    public bool Matches(string targetKey) => _globs.Matches(targetKey);

    /// <summary>Rules are equal when their patterns are, in order.</summary>
    public bool Equals(ExcludeRule? other) => other is not null && Patterns.SequenceEqual(other.Patterns);

    /// <inheritdoc />
    public override int GetHashCode() => RuleText.Hash(Patterns);

    /// <inheritdoc />
    public string Describe() => "exclude " + RuleText.Patterns(Patterns);
}
