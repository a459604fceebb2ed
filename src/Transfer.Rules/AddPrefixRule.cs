using Transfer.Rules.Errors;

namespace Transfer.Rules;

/// <summary>
/// Puts a prefix such as <c>backbone.</c> in front of every source key, for a checkpoint of a bare network
/// loaded into a model that wraps it.
/// </summary>
public sealed record AddPrefixRule : IKeyRule
{
    /// <summary>Creates the rule; the prefix must not be empty.</summary>
    public AddPrefixRule(string prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            throw new RuleConfigException("add_prefix needs a non-empty prefix such as 'backbone.'.");
        }

        Prefix = prefix;
    }

    /// <summary>The prefix to add.</summary>
    public string Prefix { get; }

    /// <inheritdoc />
    public string Map(string key) => Prefix + key;

    /// <inheritdoc />
    public string Describe() => $"add_prefix '{Prefix}'";
}
