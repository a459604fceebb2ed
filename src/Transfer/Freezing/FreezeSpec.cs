using System.Text;
using System.Text.RegularExpressions;
using Transfer.Rules.Errors;

namespace Transfer.Freezing;

/// <summary>
/// Which parameters to freeze, as globs over parameter names: <c>*</c> matches any run of characters
/// (dots included, so <c>conv.*</c> freezes the whole <c>conv</c> block), <c>?</c> one character; everything
/// else is literal. A parameter is frozen when any pattern matches its whole name.
/// </summary>
public sealed class FreezeSpec
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);
    private readonly Regex[] _regexes;

    /// <summary>Creates a spec from glob patterns.</summary>
    /// <param name="patterns">Globs such as <c>conv.*</c> or <c>fc.1.*</c>.</param>
    /// <param name="frozenBatchNorm">What to do with BatchNorm layers whose parameters are all frozen.</param>
    public FreezeSpec(IEnumerable<string> patterns, FrozenBatchNorm frozenBatchNorm = FrozenBatchNorm.Eval)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        Patterns = patterns.ToArray();
        foreach (string pattern in Patterns)
        {
            if (string.IsNullOrWhiteSpace(pattern))
            {
                throw new RuleConfigException("A freeze pattern is empty.");
            }
        }

        FrozenBatchNorm = frozenBatchNorm;
        _regexes = Patterns.Select(Compile).ToArray();
    }

    /// <summary>The glob patterns, in the order given.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>What to do with BatchNorm layers whose parameters are all frozen; <see cref="FrozenBatchNorm.Eval"/> by default.</summary>
    public FrozenBatchNorm FrozenBatchNorm { get; }

    /// <summary>True when some pattern matches the whole of <paramref name="parameterName"/>.</summary>
    public bool Matches(string parameterName) => _regexes.Any(r => r.IsMatch(parameterName));

    /// <summary>True when <paramref name="pattern"/> (one of <see cref="Patterns"/>) matches the whole name.</summary>
    internal bool Matches(int pattern, string parameterName) => _regexes[pattern].IsMatch(parameterName);

    private static Regex Compile(string glob)
    {
        StringBuilder regex = new("^");
        foreach (char c in glob)
        {
            regex.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }

        regex.Append('$');
        return new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);
    }
}
