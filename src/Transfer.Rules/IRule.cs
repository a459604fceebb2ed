namespace Transfer.Rules;

/// <summary>
/// One rule of a <see cref="RuleSet"/>. Every rule can say what it is in the words of the YAML that made it,
/// so a report can tell the user which rule decided an entry.
/// </summary>
public interface IRule
{
    /// <summary>The rule as a report shows it, e.g. <c>strip_prefix 'module.'</c>.</summary>
    string Describe();
}

/// <summary>
/// A rule that rewrites a source key into its candidate target key. Key rules run in order on every source
/// key, each seeing the previous one's output, so <c>strip_prefix</c> then <c>rename</c> reads top to bottom.
/// </summary>
public interface IKeyRule : IRule
{
    /// <summary>Returns the rewritten key, or <paramref name="key"/> itself when the rule does not apply.</summary>
    string Map(string key);
}

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
