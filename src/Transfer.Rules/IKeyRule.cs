namespace Transfer.Rules;

/// <summary>
/// A rule that rewrites a source key into its candidate target key. Key rules run in order on every source
/// key, each seeing the previous one's output, so <c>strip_prefix</c> then <c>rename</c> reads top to bottom.
/// </summary>
public interface IKeyRule : IRule
{
    /// <summary>Returns the rewritten key, or <paramref name="key"/> itself when the rule does not apply.</summary>
    string Map(string key);
}
