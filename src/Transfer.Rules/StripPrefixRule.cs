using Transfer.Rules.Errors;

namespace Transfer.Rules;

/// <summary>
/// Removes a wrapper prefix such as <c>module.</c> (left by <c>DataParallel</c>) from source keys that start
/// with it; other keys pass unchanged.
/// </summary>
public sealed record StripPrefixRule : IKeyRule
{
    /// <summary>Creates the rule; the prefix must not be empty.</summary>
    public StripPrefixRule(string prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            throw new RuleConfigException("strip_prefix needs a non-empty prefix such as 'module.'.");
        }

        Prefix = prefix;
    }

    /// <summary>The prefix to remove.</summary>
    public string Prefix { get; }

    /// <inheritdoc />
    public string Map(string key) => key.StartsWith(Prefix, StringComparison.Ordinal) ? key[Prefix.Length..] : key;

    /// <inheritdoc />
    public string Describe() => $"strip_prefix '{Prefix}'";
}
