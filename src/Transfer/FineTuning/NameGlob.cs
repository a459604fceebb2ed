using System.Text;
using System.Text.RegularExpressions;

namespace Transfer.FineTuning;

/// <summary>
/// A glob over dotted tensor names: <c>*</c> matches any run of characters (dots included, so
/// <c>conv.*</c> covers <c>conv.0.weight</c>), <c>?</c> one character, everything else itself. Compiled
/// once, with a match timeout, because patterns come from user YAML.
/// </summary>
internal sealed class NameGlob
{
    private readonly Regex _regex;

    public NameGlob(string pattern)
    {
        Pattern = pattern;
        StringBuilder regex = new("^");
        foreach (char c in pattern)
        {
            regex.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }

        regex.Append('$');
        _regex = new Regex(regex.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
    }

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>Whether <paramref name="name"/> matches the whole pattern.</summary>
    public bool IsMatch(string name) => _regex.IsMatch(name);
}
