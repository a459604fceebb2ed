namespace Transfer.Rules;

/// <summary>
/// A glob over dotted tensor names, the one pattern language of rule files, <c>freeze</c>, <c>unfreeze</c> and
/// <c>param_groups</c>: <c>*</c> matches any run of characters (dots included, so <c>conv.*</c> covers
/// <c>conv.0.weight</c>), <c>?</c> exactly one character, anything else itself (ordinal, case-sensitive). A
/// pattern must match the whole name. Matching is a two-pointer scan rather than a regex, so it takes at most
/// pattern length × name length steps: a pattern from user YAML cannot backtrack catastrophically and needs
/// no timeout.
/// </summary>
public sealed class Glob
{
    /// <summary>Creates a glob from its text.</summary>
    /// <param name="pattern">A glob such as <c>conv.*</c> or <c>fc.?.bias</c>.</param>
    public Glob(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Pattern = pattern;
    }

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>Whether <paramref name="name"/> matches the whole pattern.</summary>
    public bool IsMatch(string name) => IsMatch(Pattern, name);

    /// <summary>Whether <paramref name="name"/> matches the whole of <paramref name="pattern"/>, without building a <see cref="Glob"/>.</summary>
    public static bool IsMatch(string pattern, string name)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(name);

        // On a mismatch after a '*', let that star swallow one more character and retry from just past it;
        // only the latest star ever needs revisiting.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < name.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == name[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
