using System.Runtime.CompilerServices;
using Transfer.Rules.Errors;

namespace Transfer.Rules;

/// <summary>
/// Builds a <see cref="RuleSet"/> with the YAML vocabulary:
/// <c>RuleSet.Builder().StripPrefix("module.").Rename(@"^moon\.(\d+)", "conv.$1").Build()</c>.
/// Mistakes are collected, not thrown one by one: <see cref="Build"/> reports every problem in one
/// <see cref="RuleConfigException"/>. After <see cref="Build"/> the builder is frozen, so a built rule set can
/// never change behind a plan's back.
/// </summary>
public sealed class RuleSetBuilder
{
    private readonly List<IRule> _rules = [];
    private readonly List<string> _problems = [];
    private ShapePolicy _shapeMismatch = ShapePolicy.Skip;
    private DTypePolicy _dtypeMismatch = DTypePolicy.Cast;
    private List<MatchStrategy> _match = [MatchStrategy.Name];
    private double? _minLoaded;
    private long? _seed;
    private bool _built;

    internal RuleSetBuilder()
    {
    }

    /// <summary>Removes <paramref name="prefix"/> from source keys that start with it.</summary>
    public RuleSetBuilder StripPrefix(string prefix) => Add(() => new StripPrefixRule(prefix));

    /// <summary>Puts <paramref name="prefix"/> in front of every source key.</summary>
    public RuleSetBuilder AddPrefix(string prefix) => Add(() => new AddPrefixRule(prefix));

    /// <summary>Rewrites source keys matching the .NET regex <paramref name="from"/> with <paramref name="to"/>.</summary>
    public RuleSetBuilder Rename(string from, string to) => Add(() => new RenameRule(from, to));

    /// <summary>Target keys or globs that never load (reason <c>excluded</c>).</summary>
    public RuleSetBuilder Exclude(params IReadOnlyList<string> patterns) => Add(() => new ExcludeRule(patterns));

    /// <summary>The only target keys or globs that may load; others are <c>excluded</c>.</summary>
    public RuleSetBuilder Include(params IReadOnlyList<string> patterns) => Add(() => new IncludeRule(patterns));

    /// <summary>Target keys or globs that must load, or the plan fails naming them.</summary>
    public RuleSetBuilder Require(params IReadOnlyList<string> patterns) => Add(() => new RequiredRule(patterns));

    /// <summary>The shape policy for target keys matching <paramref name="patterns"/>; the last match wins.</summary>
    public RuleSetBuilder Shape(ShapePolicy policy, params IReadOnlyList<string> patterns) =>
        Add(() => new ShapeRule(policy, patterns));

    /// <summary>
    /// The init policy for target keys matching <paramref name="patterns"/> that no source fills; the last
    /// match wins, and targets no init rule matches keep their own values.
    /// </summary>
    public RuleSetBuilder Init(TensorInit init, params IReadOnlyList<string> patterns) =>
        Add(() => new InitRule(init, patterns));

    /// <summary>The seed random init policies draw from (a non-negative integer; default 0).</summary>
    public RuleSetBuilder Seed(long seed)
    {
        ThrowIfBuilt();
        if (seed < 0)
        {
            _problems.Add($"seed must be a non-negative integer, not {seed.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }
        else
        {
            _seed = seed;
        }

        return this;
    }

    /// <summary>Adds a rule made elsewhere (e.g. by the YAML reader).</summary>
    public RuleSetBuilder Add(IRule rule)
    {
        ThrowIfBuilt();
        ArgumentNullException.ThrowIfNull(rule);
        _rules.Add(rule);
        return this;
    }

    /// <summary>The top-level shape policy: <see cref="ShapePolicy.Skip"/> (default) or <see cref="ShapePolicy.Error"/>.</summary>
    public RuleSetBuilder ShapeMismatch(ShapePolicy policy)
    {
        ThrowIfBuilt();
        if (policy is ShapePolicy.Skip or ShapePolicy.Error)
        {
            _shapeMismatch = policy;
        }
        else
        {
            _problems.Add(Enum.IsDefined(policy)
                ? $"shape_mismatch must be skip or error, not {Describe(policy)}; use a per-glob shape rule for {Describe(policy)}."
                : $"shape_mismatch must be skip or error, not {Describe(policy)}.");
        }

        return this;
    }

    /// <summary>Cast (default) or refuse sources of another dtype.</summary>
    public RuleSetBuilder DTypeMismatch(DTypePolicy policy)
    {
        ThrowIfBuilt();
        if (Enum.IsDefined(policy))
        {
            _dtypeMismatch = policy;
        }
        else
        {
            _problems.Add($"dtype_mismatch must be cast or error, not {(int)policy}.");
        }

        return this;
    }

    /// <summary>
    /// The fallback strategies for targets still unmatched after renames, tried in the order given;
    /// <see cref="MatchStrategy.Name"/> always runs first whether listed or not.
    /// </summary>
    public RuleSetBuilder Match(params IReadOnlyList<MatchStrategy> strategies)
    {
        ThrowIfBuilt();
        List<MatchStrategy> order = [MatchStrategy.Name];
        foreach (MatchStrategy strategy in strategies)
        {
            if (!Enum.IsDefined(strategy))
            {
                _problems.Add($"match must be name, suffix or structural, not {(int)strategy}.");
            }
            else if (order.Contains(strategy))
            {
                if (strategy != MatchStrategy.Name)
                {
                    _problems.Add($"match lists {RuleText.Name(strategy)} twice.");
                }
            }
            else
            {
                order.Add(strategy);
            }
        }

        _match = order;
        return this;
    }

    /// <summary>Fails the plan when less than <paramref name="fraction"/> (0…1) of the target's elements load.</summary>
    public RuleSetBuilder MinLoaded(double fraction)
    {
        ThrowIfBuilt();
        if (double.IsNaN(fraction) || fraction < 0 || fraction > 1)
        {
            _problems.Add($"min_loaded must be a fraction from 0 to 1, not {fraction.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }
        else
        {
            _minLoaded = fraction;
        }

        return this;
    }

    /// <summary>Makes the rule set and freezes the builder; throws one exception listing every problem.</summary>
    public RuleSet Build()
    {
        ThrowIfBuilt();
        _built = true;
        if (_problems.Count == 1)
        {
            throw new RuleConfigException(_problems[0]);
        }

        if (_problems.Count > 1)
        {
            throw new RuleConfigException(
                $"{_problems.Count} problems in the rules: " + string.Join(" ", _problems.Select((p, i) => $"({i + 1}) {p}")));
        }

        return new RuleSet(_rules.ToArray(), _shapeMismatch, _dtypeMismatch, _match.ToArray(), _minLoaded, _seed);
    }

    private RuleSetBuilder Add(Func<IRule> make, [CallerMemberName] string method = "")
    {
        ThrowIfBuilt();
        try
        {
            _rules.Add(make());
        }
        catch (RuleConfigException e)
        {
            _problems.Add(e.Message);
        }
        catch (ArgumentNullException)
        {
            _problems.Add($"{method} was given null.");
        }

        return this;
    }

    private static string Describe(ShapePolicy policy) =>
        Enum.IsDefined(policy) ? RuleText.Name(policy) : ((int)policy).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void ThrowIfBuilt()
    {
        if (_built)
        {
            throw new InvalidOperationException("This builder already built its RuleSet; start a new one with RuleSet.Builder().");
        }
    }
}
