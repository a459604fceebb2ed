using System.Globalization;

namespace Transfer.Rules;

/// <summary>
/// The rules a plan is made with: key rules applied in order to every source key, target rules selecting
/// keys by glob, and the policies for shape and dtype mismatches, fallback matching and coverage. Immutable;
/// make one with <see cref="Builder"/> or <c>RuleSetYaml</c>. <see cref="Default"/> matches by
/// exact name and skips shape mismatches, which is what PyTorch's <c>load_state_dict(strict=False)</c> users
/// expect, minus the crash on shapes.
/// </summary>
public sealed class RuleSet
{
    internal RuleSet(
        IReadOnlyList<IRule> rules,
        ShapePolicy shapeMismatch,
        DTypePolicy dtypeMismatch,
        IReadOnlyList<MatchStrategy> match,
        double? minLoaded,
        long? seed = null)
    {
        Rules = rules;
        ShapeMismatch = shapeMismatch;
        DTypeMismatch = dtypeMismatch;
        Match = match;
        MinLoaded = minLoaded;
        Seed = seed;
        KeyRules = rules.OfType<IKeyRule>().ToArray();
        Excludes = rules.OfType<ExcludeRule>().ToArray();
        Includes = rules.OfType<IncludeRule>().ToArray();
        Required = rules.OfType<RequiredRule>().ToArray();
        ShapeRules = rules.OfType<ShapeRule>().ToArray();
        InitRules = rules.OfType<InitRule>().ToArray();
    }

    /// <summary>Exact names, shape mismatches skipped and reported, dtypes cast.</summary>
    public static RuleSet Default { get; } = new([], ShapePolicy.Skip, DTypePolicy.Cast, [MatchStrategy.Name], null);

    /// <summary>Starts a fluent builder with the same vocabulary as the YAML rule files.</summary>
    public static RuleSetBuilder Builder() => new();

    /// <summary>Every rule, in the order written.</summary>
    public IReadOnlyList<IRule> Rules { get; }

    /// <summary>The top-level shape policy (<see cref="ShapePolicy.Skip"/> or <see cref="ShapePolicy.Error"/>).</summary>
    public ShapePolicy ShapeMismatch { get; }

    /// <summary>Whether a source of another dtype is cast or refused.</summary>
    public DTypePolicy DTypeMismatch { get; }

    /// <summary>The match strategies in the order tried; always starts with <see cref="MatchStrategy.Name"/>.</summary>
    public IReadOnlyList<MatchStrategy> Match { get; }

    /// <summary>The least fraction (0…1) of target elements that must load, or null for no minimum.</summary>
    public double? MinLoaded { get; }

    /// <summary>
    /// The seed random init policies draw from (<c>seed:</c> in YAML, <c>--seed</c> on the CLI), or null for
    /// the default 0. Each tensor's values come from its own generator seeded from this seed and its key, so
    /// they depend on neither the order of the tensors nor any global generator.
    /// </summary>
    public long? Seed { get; }

    internal IReadOnlyList<IKeyRule> KeyRules { get; }

    internal IReadOnlyList<ExcludeRule> Excludes { get; }

    internal IReadOnlyList<IncludeRule> Includes { get; }

    internal IReadOnlyList<RequiredRule> Required { get; }

    internal IReadOnlyList<ShapeRule> ShapeRules { get; }

    internal IReadOnlyList<InitRule> InitRules { get; }

    /// <summary>The same rules with <see cref="Seed"/> set to <paramref name="seed"/> (what <c>--seed</c> does).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seed"/> is negative.</exception>
    public RuleSet WithSeed(long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seed);
        return new RuleSet(Rules, ShapeMismatch, DTypeMismatch, Match, MinLoaded, seed);
    }

    /// <summary>The rule set as a few lines a report can print.</summary>
    public override string ToString()
    {
        List<string> parts = [.. Rules.Select(r => r.Describe())];
        parts.Add("shape_mismatch " + RuleText.Name(ShapeMismatch));
        parts.Add("dtype_mismatch " + RuleText.Name(DTypeMismatch));
        parts.Add("match " + string.Join(", ", Match.Select(RuleText.Name)));
        if (MinLoaded is double min)
        {
            parts.Add("min_loaded " + min.ToString(CultureInfo.InvariantCulture));
        }

        if (Seed is long seed)
        {
            parts.Add("seed " + seed.ToString(CultureInfo.InvariantCulture));
        }

        return string.Join("; ", parts);
    }
}
