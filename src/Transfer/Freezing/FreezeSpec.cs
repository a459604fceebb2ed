using Transfer.Rules;
using Transfer.Rules.Errors;

namespace Transfer.Freezing;

/// <summary>
/// Which parameters to freeze, as globs over parameter names: <c>*</c> matches any run of characters
/// (dots included, so <c>conv.*</c> freezes the whole <c>conv</c> block), <c>?</c> one character; everything
/// else is literal (see <see cref="Glob"/>). A parameter is frozen when any pattern matches its whole name.
/// </summary>
public sealed class FreezeSpec
{
    private readonly Glob[] _globs;

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
        _globs = Patterns.Select(p => new Glob(p)).ToArray();
    }

    /// <summary>The glob patterns, in the order given.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>What to do with BatchNorm layers whose parameters are all frozen; <see cref="FrozenBatchNorm.Eval"/> by default.</summary>
    public FrozenBatchNorm FrozenBatchNorm { get; }

    /// <summary>True when some pattern matches the whole of <paramref name="parameterName"/>.</summary>
    public bool Matches(string parameterName) => _globs.Any(g => g.IsMatch(parameterName));

    /// <summary>
    /// The patterns that match none of <paramref name="parameterNames"/> — almost always typos, which would
    /// silently freeze nothing. Check them before <see cref="Freezer.Apply"/>, which only executes.
    /// </summary>
    public IReadOnlyList<string> Unmatched(IEnumerable<string> parameterNames)
    {
        ArgumentNullException.ThrowIfNull(parameterNames);
        string[] names = [.. parameterNames];
        return [.. Patterns.Where((_, i) => !names.Any(_globs[i].IsMatch))];
    }
}
