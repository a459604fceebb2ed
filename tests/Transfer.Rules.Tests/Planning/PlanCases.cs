using FsCheck;
using FsCheck.Fluent;

namespace Transfer.Rules.Tests.Planning;

/// <summary>
/// One planner input: source and target specs, rules, and a reordering of the source. <see cref="ToString"/>
/// lists them, so a failing property prints a case a reader can replay.
/// </summary>
public sealed record PlanCase(TensorSpec[] Source, TensorSpec[] Target, RuleSet Rules, int[] SourceOrder)
{
    /// <summary>The source in <see cref="SourceOrder"/>.</summary>
    public TensorSpec[] ShuffledSource => SourceOrder.Select(i => Source[i]).ToArray();

    /// <inheritdoc />
    public override string ToString() =>
        $"source [{string.Join(", ", Source.Select(Describe))}] target [{string.Join(", ", Target.Select(Describe))}] " +
        $"rules {{{Rules}}} order [{string.Join(",", SourceOrder)}]";

    private static string Describe(TensorSpec s) => $"{s.Name}:{s.DType}{TensorSpec.FormatShape(s.Shape)}";
}

/// <summary>
/// FsCheck generators for planner inputs. Targets are small models (convs, linears, batch norms under names
/// such as <c>conv.3</c>, <c>layer1.0.bn</c>, <c>head</c>) with few distinct sizes, so shapes repeat across
/// modules. Sources are either made from the target as checkpoints really differ from models (a wrapper
/// prefix, a renamed container, dropped or reshaped tensors, extra tensors, another dtype) or drawn from a
/// small key vocabulary so names collide, renames fire and suffixes tie. Rule sets draw from the whole rule
/// vocabulary, every match strategy included.
/// </summary>
public static class PlanArbitraries
{
    private static readonly string[] ModuleNames =
        ["conv.0", "conv.3", "conv.11", "fc.1", "fc.2", "bn.0", "bn.1", "layer1.0.bn", "layer1.1.bn", "layer2.0.conv", "head", "stem.bn"];

    private static readonly string[] Prefixes = ["", "", "module.", "old.", "backbone."];

    private static readonly string[] VocabularyModules = ["conv", "fc", "layer1", "layer2", "head", "moon"];
    private static readonly string[] VocabularyLeaves = ["weight", "bias", "running_mean"];
    private static readonly long[][] VocabularyShapes = [[3], [4], [2, 3], [3, 2], [4, 4], []];

    /// <summary>Planner inputs: spec lists, a rule set and a source order.</summary>
    public static Arbitrary<PlanCase> Cases() => Arb.From(Case());

    /// <summary>The generator behind <see cref="Cases"/>.</summary>
    public static Gen<PlanCase> Case() =>
        from pair in Gen.OneOf(ModelPair(), VocabularyPair())
        from rules in Rules()
        from order in Gen.Shuffle(Enumerable.Range(0, pair.Source.Length))
        select new PlanCase(pair.Source, pair.Target, rules, order);

    /// <summary>A target model and a checkpoint made from it.</summary>
    public static Gen<(TensorSpec[] Source, TensorSpec[] Target)> ModelPair() =>
        from modules in Gen.SubListOf(ModuleNames)
        from sizes in Gen.Elements(2L, 3L).ArrayOf(modules.Count)
        from kinds in Gen.Choose(0, 2).ArrayOf(modules.Count)
        let target = modules.SelectMany((m, i) => Module(m, kinds[i], sizes[i])).ToArray()
        from source in Checkpoint(target)
        select (source, target);

    /// <summary>A checkpoint of <paramref name="target"/>: renamed, with some tensors dropped, reshaped or added.</summary>
    public static Gen<TensorSpec[]> Checkpoint(TensorSpec[] target) =>
        from prefix in Gen.Elements(Prefixes)
        from container in Gen.Elements<string?>(null, null, "moon")
        from fates in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3))).ArrayOf(target.Length)
        from extras in Gen.Choose(0, 2)
        from alphabetical in Gen.Elements(true, false)
        let specs = target
            .Select((t, i) => fates[i] switch
            {
                1 => null,
                2 => t with { Shape = [.. t.Shape.Select(d => d + 1)] },
                3 => t with { DType = "float16" },
                _ => t,
            })
            .Where(s => s is not null)
            .Select(s => s! with { Name = prefix + Rename(s.Name, container) })
            .Concat(Enumerable.Range(0, extras).Select(e => F32($"{prefix}extra.{e}.weight", 3)))
            .DistinctBy(s => s.Name)
            .ToArray()
        select alphabetical ? specs.OrderBy(s => s.Name, StringComparer.Ordinal).ToArray() : specs;

    /// <summary>Source and target drawn independently from a small vocabulary.</summary>
    public static Gen<(TensorSpec[] Source, TensorSpec[] Target)> VocabularyPair() =>
        from source in VocabularySpecs("module.")
        from target in VocabularySpecs("backbone.")
        select (source, target);

    /// <summary>Rule sets over the whole vocabulary.</summary>
    public static Gen<RuleSet> Rules() =>
        from keyRules in Gen.SubListOf(0, 1, 2, 3, 4)
        from targetRules in Gen.SubListOf(0, 1, 2, 3)
        from shapeError in Gen.Elements(false, true)
        from dtypeError in Gen.Elements(false, true)
        from match in Gen.Elements<MatchStrategy[]>(
            [], [MatchStrategy.Suffix], [MatchStrategy.Structural], [MatchStrategy.Suffix, MatchStrategy.Structural],
            [MatchStrategy.Structural, MatchStrategy.Suffix])
        from minLoaded in Gen.Elements<double?>(null, null, 0, 0.25, 0.9)
        from ambiguous in Gen.Elements(AmbiguousPolicy.Error, AmbiguousPolicy.Skip)
        select Build(keyRules, targetRules, shapeError, dtypeError, match, minLoaded, ambiguous);

    private static RuleSet Build(
        IList<int> keyRules, IList<int> targetRules, bool shapeError, bool dtypeError, MatchStrategy[] match, double? minLoaded,
        AmbiguousPolicy ambiguous)
    {
        RuleSetBuilder rules = RuleSet.Builder();
        foreach (int rule in keyRules)
        {
            _ = rule switch
            {
                0 => rules.StripPrefix("module."),
                1 => rules.StripPrefix("old."),
                2 => rules.Rename(@"^moon\.(\d+)\.", "conv.$1."),
                3 => rules.AddPrefix("backbone."),
                _ => rules.Rename(@"\.running_mean$", ".mean"),
            };
        }

        foreach (int rule in targetRules)
        {
            _ = rule switch
            {
                0 => rules.Exclude("head.*", "*.running_mean"),
                1 => rules.Include("conv.*", "layer?.*", "backbone.*", "bn.*"),
                2 => rules.Require("fc.*", "conv.0.weight"),
                _ => rules.Shape(ShapePolicy.Slice, "fc.*", "conv.*"),
            };
        }

        rules.ShapeMismatch(shapeError ? ShapePolicy.Error : ShapePolicy.Skip)
            .DTypeMismatch(dtypeError ? DTypePolicy.Error : DTypePolicy.Cast)
            .Match(match)
            .Ambiguous(ambiguous);
        if (minLoaded is double min)
        {
            rules.MinLoaded(min);
        }

        return rules.Build();
    }

    private static IEnumerable<TensorSpec> Module(string name, int kind, long size) => kind switch
    {
        0 => [F32(name + ".weight", size, size, 3, 3), F32(name + ".bias", size)],
        1 => [F32(name + ".weight", size, size), F32(name + ".bias", size)],
        _ =>
        [
            F32(name + ".weight", size), F32(name + ".bias", size), F32(name + ".running_mean", size),
            F32(name + ".running_var", size), new TensorSpec(name + ".num_batches_tracked", "int64", []),
        ],
    };

    /// <summary>Convs saved from a container under another name: <c>conv.3.weight</c> becomes <c>moon.3.weight</c>.</summary>
    private static string Rename(string name, string? container) =>
        container is not null && name.StartsWith("conv.", StringComparison.Ordinal) ? container + name["conv".Length..] : name;

    private static Gen<TensorSpec[]> VocabularySpecs(string prefix) =>
        from count in Gen.Choose(0, 13)
        from usePrefix in Gen.Elements(false, true)
        from picks in Gen.Zip(
                Gen.Zip(Gen.Elements(VocabularyModules), Gen.Choose(0, 2)),
                Gen.Zip(Gen.Elements(VocabularyLeaves), Gen.Zip(Gen.Elements(VocabularyShapes), Gen.Choose(0, 4))))
            .ArrayOf(count)
        select picks
            .Select(p => new TensorSpec(
                $"{(usePrefix ? prefix : "")}{p.Item1.Item1}.{p.Item1.Item2}.{p.Item2.Item1}",
                p.Item2.Item2.Item2 == 0 ? "float16" : "float32",
                p.Item2.Item2.Item1))
            .DistinctBy(s => s.Name)
            .ToArray();
}
