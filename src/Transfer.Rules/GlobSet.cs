namespace Transfer.Rules;

/// <summary>
/// A set of globs matched without regexes: literal patterns go into a hash set, so a list of thousands of
/// exact keys costs one lookup per key; wildcard patterns go through <see cref="Glob"/>.
/// </summary>
internal sealed class GlobSet
{
    private readonly HashSet<string> _literals = new(StringComparer.Ordinal);
    private readonly List<Glob> _wildcards = [];

    public GlobSet(IEnumerable<string> patterns)
    {
        foreach (string pattern in patterns)
        {
            if (pattern.AsSpan().IndexOfAny('*', '?') < 0)
            {
                _literals.Add(pattern);
            }
            else
            {
                _wildcards.Add(new Glob(pattern));
            }
        }
    }

    public bool Matches(string key)
    {
        if (_literals.Contains(key))
        {
            return true;
        }

        foreach (Glob glob in _wildcards)
        {
            if (glob.IsMatch(key))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The longest glob a rule may have; matching costs up to name length × pattern length / 64.</summary>
    public const int MaxPatternLength = 4096;

    /// <summary>Checks patterns for a caller: non-empty text of at most <see cref="MaxPatternLength"/> characters.</summary>
    public static IReadOnlyList<string> Check(string kind, IReadOnlyList<string>? patterns)
    {
        if (patterns is null || patterns.Count == 0)
        {
            throw new Errors.RuleConfigException($"{kind} needs at least one key or glob.");
        }

        foreach (string pattern in patterns)
        {
            if (string.IsNullOrEmpty(pattern))
            {
                throw new Errors.RuleConfigException($"{kind} has an empty pattern; write a key or a glob such as 'fc.*'.");
            }

            if (pattern.Length > MaxPatternLength)
            {
                throw new Errors.RuleConfigException(
                    $"{kind} has a pattern of {pattern.Length} characters; a key or glob may have at most {MaxPatternLength}.");
            }
        }

        return patterns.ToArray();
    }
}
