namespace Transfer.Rules;

/// <summary>
/// The init policy for target keys matching a glob that no source fills (<c>missing</c>, or <c>skipped</c>
/// and so kept): <c>init: { match: 'fc.7.weight', kind: kaiming_normal }</c>. When several match, the last one
/// in the rule list wins; targets no init rule matches keep their own values.
/// </summary>
public sealed record InitRule : ITargetRule
{
    private readonly GlobSet _globs;

    /// <summary>Creates the rule giving targets matching <paramref name="patterns"/> the policy <paramref name="init"/>.</summary>
    public InitRule(TensorInit init, params IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(init);
        Init = init;
        Patterns = GlobSet.Check("init match", patterns);
        _globs = new GlobSet(Patterns);
    }

    /// <summary>The policy for matching targets.</summary>
    public TensorInit Init { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Patterns { get; }

    /// <inheritdoc />
    public bool Matches(string targetKey) => _globs.Matches(targetKey);

    /// <summary>Rules are equal when their policies and patterns are.</summary>
    public bool Equals(InitRule? other) => other is not null && Init == other.Init && Patterns.SequenceEqual(other.Patterns);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Init, RuleText.Hash(Patterns));

    /// <inheritdoc />
    public string Describe() => $"init {RuleText.Patterns(Patterns)}: {Init}";
}
