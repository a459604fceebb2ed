namespace Transfer.Rules;

/// <summary>
/// The shape-mismatch policy for target keys matching a glob, overriding the top-level
/// <see cref="RuleSet.ShapeMismatch"/>; when several match, the last one in the rule list wins.
/// </summary>
public sealed record ShapeRule : ITargetRule
{
    private readonly GlobSet _globs;

    /// <summary>Creates the override for targets matching <paramref name="patterns"/>.</summary>
    public ShapeRule(ShapePolicy policy, params IReadOnlyList<string> patterns)
    {
        if (!Enum.IsDefined(policy))
        {
            throw new Errors.RuleConfigException($"shape policy {(int)policy} is not one of skip, error, slice, adapt_channels.");
        }

        Policy = policy;
        Patterns = GlobSet.Check("shape match", patterns);
        _globs = new GlobSet(Patterns);
    }

    /// <summary>What to do when a matched source's shape differs from the target's.</summary>
    public ShapePolicy Policy { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Patterns { get; }

    /// <inheritdoc />
    public bool Matches(string targetKey) => _globs.Matches(targetKey);

    /// <summary>Rules are equal when their policies and patterns are.</summary>
    public bool Equals(ShapeRule? other) => other is not null && Policy == other.Policy && Patterns.SequenceEqual(other.Patterns);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Policy, RuleText.Hash(Patterns));

    /// <inheritdoc />
    public string Describe() => $"shape {RuleText.Patterns(Patterns)}: {RuleText.Name(Policy)}";
}
