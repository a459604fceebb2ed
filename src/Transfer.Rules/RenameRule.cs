using System.Text;
using System.Text.RegularExpressions;
using Transfer.Rules.Errors;

namespace Transfer.Rules;

/// <summary>
/// Rewrites source keys with a .NET regex and a replacement (<c>$1</c> for groups), e.g.
/// <c>^moon\.(\d+)\.</c> → <c>conv.$1.</c>. Every match in the key is replaced. The regex is compiled once
/// with a match timeout, because rule files come from users; an anchored pattern with a literal start
/// (<c>^moon\.</c>) is first checked with a plain prefix test, so keys it cannot match cost no regex run.
/// </summary>
public sealed record RenameRule : IKeyRule
{
    /// <summary>The longest key a rename may produce (or the key's own length, when longer).</summary>
    public const int MaxKeyLength = 4096;

    /// <summary>How long one match may run before the rule is reported as too slow.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly Regex _regex;
    private readonly string _literalStart;

    /// <summary>Creates the rule; throws <see cref="RuleConfigException"/> when the regex does not compile.</summary>
    public RenameRule(string from, string to)
    {
        if (string.IsNullOrEmpty(from))
        {
            throw new RuleConfigException("rename needs a non-empty 'from' regex.");
        }

        ArgumentNullException.ThrowIfNull(to);
        try
        {
            _regex = new Regex(from, RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw new RuleConfigException($"rename 'from' is not a valid .NET regex: {FirstLine(e.Message)}");
        }

        From = from;
        To = to;
        _literalStart = LiteralStart(from);
    }

    /// <summary>The .NET regex matched against each key.</summary>
    public string From { get; }

    /// <summary>The replacement, with <c>$1</c>, <c>${name}</c> for groups.</summary>
    public string To { get; }

    /// <inheritdoc />
    public string Map(string key)
    {
        if (_literalStart.Length > 0 && !key.StartsWith(_literalStart, StringComparison.Ordinal))
        {
            return key;
        }

        // Keys may not grow past MaxKeyLength (or their own length, when already longer): a replacement such as
        // '$1$1' or '$_' applied rule after rule would otherwise double keys until memory runs out. The length is
        // counted match by match, so an oversized key is refused before it is built.
        int limit = Math.Max(MaxKeyLength, key.Length);
        long length = 0;
        int copiedUpTo = 0;
        try
        {
            string mapped = _regex.Replace(key, match =>
            {
                string replacement = match.Result(To);
                length += match.Index - copiedUpTo + replacement.Length;
                copiedUpTo = match.Index + match.Length;
                return length > limit ? throw new KeyTooLongException() : replacement;
            });
            return mapped.Length > limit ? throw new KeyTooLongException() : mapped;
        }
        catch (RegexMatchTimeoutException)
        {
            throw new RuleConfigException(
                $"{Describe()} ran longer than {MatchTimeout.TotalSeconds:0} s on key '{Excerpt(key)}'; simplify the regex.");
        }
        catch (KeyTooLongException)
        {
            throw new RuleConfigException(
                $"{Describe()} makes key '{Excerpt(key)}' longer than {limit} characters; a rename must not grow keys without bound.");
        }
    }

    /// <summary>Rules are equal when their regex and replacement texts are.</summary>
    public bool Equals(RenameRule? other) => other is not null && From == other.From && To == other.To;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(From, To);

    /// <inheritdoc />
    public string Describe() => $"rename '{From}' -> '{To}'";

    /// <summary>Stops a rename whose output outgrew its limit, from inside the regex's replacement callback.</summary>
    private sealed class KeyTooLongException : Exception
    {
    }

    /// <summary>The start of a key for a one-line message: control characters escaped, at most 80 characters.</summary>
    private static string Excerpt(string key)
    {
        StringBuilder text = new();
        foreach (char c in key.Length > 80 ? key[..80] : key)
        {
            text.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return key.Length > 80 ? text + "…" : text.ToString();
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }

    /// <summary>
    /// The literal text every match must start the key with, when the pattern is <c>^</c> then literals
    /// (escaped punctuation counts); empty when that cannot be told safely (alternation, quantifiers…).
    /// </summary>
    internal static string LiteralStart(string pattern)
    {
        if (!pattern.StartsWith('^') || pattern.Contains('|', StringComparison.Ordinal))
        {
            return string.Empty;
        }

        StringBuilder literal = new();
        int i = 1;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            int width;
            char value;
            bool escapedPunctuation = c == '\\' && i + 1 < pattern.Length
                && (char.IsPunctuation(pattern[i + 1]) || char.IsSymbol(pattern[i + 1]));
            if (escapedPunctuation)
            {
                value = pattern[i + 1];
                width = 2;
            }
            else if (char.IsLetterOrDigit(c) || c == '_' || c == '-' || c == '/' || c == ':' || c == ',')
            {
                value = c;
                width = 1;
            }
            else
            {
                break;
            }

            int next = i + width;
            if (next < pattern.Length && pattern[next] is '*' or '?' or '{' or '+')
            {
                // A quantifier makes this character optional or repeated, so the literal start ends before it.
                break;
            }

            literal.Append(value);
            i = next;
        }

        return literal.ToString();
    }
}
