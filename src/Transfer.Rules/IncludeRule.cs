namespace Transfer.Rules;

/// <summary>
/// The only target keys that may load; every other target entry says <c>excluded</c>. Use it to take just a backbone from a checkpoint.
/// </summary>
public sealed record IncludeRule : ITargetRule
{
    private readonly GlobSet _globs;

    /// <summary>Creates the rule from keys or globs; throws <see cref="Errors.RuleConfigException"/> when empty.</summary>
    public IncludeRule(params IReadOnlyList<string> patterns)
    {
        Patterns = GlobSet.Check("include", patterns);
        _globs = new GlobSet(Patterns);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Patterns { get; }

    /// <inheritdoc />
    public bool Matches(string targetKey) => _globs.Matches(targetKey);

    /// <summary>Rules are equal when their patterns are, in order.</summary>
    public bool Equals(IncludeRule? other) => other is not null && Patterns.SequenceEqual(other.Patterns);

    /// <inheritdoc />
    public override int GetHashCode() => RuleText.Hash(Patterns);

    /// <inheritdoc />
    public string Describe() => "include " + RuleText.Patterns(Patterns);
}
