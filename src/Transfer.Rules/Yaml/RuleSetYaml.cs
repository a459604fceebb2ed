using System.Globalization;
using Transfer.Rules.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Transfer.Rules.Yaml;

/// <summary>
/// Reads a <see cref="RuleSet"/> from YAML. The document is either a mapping of options or, as a shorthand, a
/// bare list of rules:
/// <code>
/// rules:                 # key rules apply in order to every source key
///   - strip_prefix: 'module.'
///   - add_prefix: 'backbone.'
///   - rename: { from: '^moon\.(\d+)\.', to: 'conv.$1.' }
///   - exclude: ['fc.5.*']          # a glob or a list of them
///   - include: 'backbone.*'
///   - required: ['conv.*']
///   - shape: { match: 'fc.5.*', policy: slice }   # skip | error | slice | adapt_channels; the last match wins
///   - init: { match: 'fc.7.weight', kind: kaiming_normal }   # for targets no source fills; the last match wins
/// shape_mismatch: skip   # skip | error
/// dtype_mismatch: cast   # cast | error
/// match: suffix          # name | suffix | structural, or a list of them, tried after name
/// min_loaded: 0.5        # fraction of target elements that must load; 0 allows a plan that loads nothing
/// ambiguous: error       # error | skip: a target a fallback cannot decide for fails the plan, or is only reported
/// include: ...           # include, exclude, required and init may also sit at the top level
/// init: [{ match: 'fc.7.bias', kind: normal, std: 0.01 }]   # keep | zeros | normal | kaiming_normal | kaiming_uniform | xavier_uniform
/// seed: 1                # the seed random inits draw from (default 0)
/// </code>
/// Every mistake is a <see cref="RuleConfigException"/> whose message starts with <c>file:line:column</c> and,
/// for an unknown name, suggests the closest valid one.
/// </summary>
public static class RuleSetYaml
{
    private static readonly string[] TopKeys =
        ["rules", "shape_mismatch", "dtype_mismatch", "match", "min_loaded", "include", "exclude", "required", "ambiguous", "init", "seed"];

    private static readonly string[] RuleKinds =
        ["strip_prefix", "add_prefix", "rename", "exclude", "include", "required", "shape", "init"];

    private static readonly string[] InitKinds =
        ["keep", "zeros", "normal", "kaiming_normal", "kaiming_uniform", "xavier_uniform"];

    /// <summary>Reads a rule file; throws <see cref="RuleConfigException"/> naming the file for any problem.</summary>
    public static RuleSet Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuleConfigException($"{path}: cannot read the rule file: {e.Message}", e);
        }

        return Parse(text, path);
    }

    /// <summary>Parses rule YAML; <paramref name="fileName"/> labels error messages. An empty document is <see cref="RuleSet.Default"/>.</summary>
    public static RuleSet Parse(string yaml, string fileName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(fileName);
        YamlSource source = YamlSource.Parse(yaml, fileName);
        if (source.Documents.Count == 0)
        {
            return RuleSet.Default;
        }

        if (source.Documents.Count > 1)
        {
            throw source.Fail(source.Documents[1], "a rule file holds one YAML document, but this is a second one.");
        }

        return FromNode(source, source.Documents[0]);
    }

    /// <summary>
    /// Reads rules from an already parsed node, e.g. the <c>rules:</c> section of a fine-tuning config: a
    /// mapping of options or a list of rules. Positions in errors are those of the node's document.
    /// </summary>
    public static RuleSet FromNode(YamlNode node, string fileName)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(fileName);
        return FromNode(YamlSource.Of(node, fileName), node);
    }

    /// <summary>Reads rules from <paramref name="node"/> of <paramref name="file"/>, whose errors say where each node came from.</summary>
    internal static RuleSet FromNode(YamlSource file, YamlNode node)
    {
        RuleSetBuilder builder = RuleSet.Builder();
        switch (node)
        {
            case YamlSequenceNode list:
                ReadRules(list, file, builder);
                break;
            case YamlMappingNode map:
                ReadOptions(map, file, builder);
                break;
            case YamlScalarNode scalar when IsNull(scalar):
                break;
            default:
                throw file.Fail(node, "expected a mapping of rule options (rules:, shape_mismatch:, match: …) or a list of rules.");
        }

        return Made(file, node, builder.Build);
    }

    private static void ReadOptions(YamlMappingNode map, YamlSource file, RuleSetBuilder builder)
    {
        foreach ((YamlNode keyNode, YamlNode value) in map.Children)
        {
            string key = Scalar(file, keyNode, "an option name");
            switch (key)
            {
                case "rules":
                    ReadRules(value as YamlSequenceNode ?? throw file.Fail(value, "rules must be a list, each item one rule such as '- strip_prefix: module.'."), file, builder);
                    break;
                case "shape_mismatch" when value is YamlScalarNode { Value: "slice" }:
                    throw file.Fail(value, "shape_mismatch cannot be 'slice' at the top level; slice per glob with '- shape: { match: 'fc.*', policy: slice }'.");
                case "shape_mismatch" when value is YamlScalarNode { Value: "adapt_channels" }:
                    throw file.Fail(value, "shape_mismatch cannot be 'adapt_channels' at the top level; adapt a first conv per glob with '- shape: { match: 'conv1.weight', policy: adapt_channels }'.");
                case "shape_mismatch":
                    builder.ShapeMismatch(Choice(file, value, "shape_mismatch", ["skip", "error"]) == "skip" ? ShapePolicy.Skip : ShapePolicy.Error);
                    break;
                case "dtype_mismatch":
                    builder.DTypeMismatch(Choice(file, value, "dtype_mismatch", ["cast", "error"]) == "cast" ? DTypePolicy.Cast : DTypePolicy.Error);
                    break;
                case "match":
                    builder.Match(ReadMatch(file, value));
                    break;
                case "ambiguous":
                    builder.Ambiguous(Choice(file, value, "ambiguous", ["error", "skip"]) == "error" ? AmbiguousPolicy.Error : AmbiguousPolicy.Skip);
                    break;
                case "min_loaded":
                    builder.MinLoaded(Fraction(file, value));
                    break;
                case "seed":
                    builder.Seed(Seed(file, value));
                    break;
                case "init":
                    ReadInits(file, value, builder);
                    break;
                case "include":
                case "exclude":
                case "required":
                    builder.Add(MakeRule(file, keyNode, key, value));
                    break;
                default:
                    throw file.Fail(keyNode, $"unknown option '{key}'; {Hint(key, TopKeys)}");
            }
        }
    }

    private static void ReadRules(YamlSequenceNode list, YamlSource file, RuleSetBuilder builder)
    {
        foreach (YamlNode item in list.Children)
        {
            if (item is not YamlMappingNode rule || rule.Children.Count != 1)
            {
                throw file.Fail(item, "each rule is a mapping with one key, e.g. '- strip_prefix: module.'.");
            }

            (YamlNode kind, YamlNode value) = rule.Children.Single();
            string kindName = Scalar(file, kind, "a rule kind");
            if (kindName == "init")
            {
                ReadInits(file, value, builder);
            }
            else
            {
                builder.Add(MakeRule(file, kind, kindName, value));
            }
        }
    }

    private static IRule MakeRule(YamlSource file, YamlNode kindNode, string kind, YamlNode value) => kind switch
    {
        "strip_prefix" => MakeOne(file, value, Scalar(file, value, "the prefix to strip"), p => new StripPrefixRule(p)),
        "add_prefix" => MakeOne(file, value, Scalar(file, value, "the prefix to add"), p => new AddPrefixRule(p)),
        "rename" => MakeRename(file, value),
        "exclude" => MakeOne(file, value, Patterns(file, value, kind), p => new ExcludeRule(p)),
        "include" => MakeOne(file, value, Patterns(file, value, kind), p => new IncludeRule(p)),
        "required" => MakeOne(file, value, Patterns(file, value, kind), p => new RequiredRule(p)),
        "shape" => MakeShape(file, value),
        _ => throw file.Fail(kindNode, $"unknown rule '{kind}'; {Hint(kind, RuleKinds)}"),
    };

    private static IRule MakeOne<T>(YamlSource file, YamlNode value, T argument, Func<T, IRule> make) =>
        Made(file, value, () => make(argument));

    /// <summary>Runs a constructor or builder whose own errors have no position, giving them <paramref name="at"/>'s.</summary>
    private static T Made<T>(YamlSource file, YamlNode at, Func<T> make)
    {
        try
        {
            return make();
        }
        catch (RuleConfigException e)
        {
            throw file.Fail(at, e.Message);
        }
    }

    private static RenameRule MakeRename(YamlSource file, YamlNode value)
    {
        Dictionary<string, YamlNode> fields = Fields(file, value, "rename", ["from", "to"]);
        string from = Scalar(file, fields["from"], "the 'from' regex");
        string to = Scalar(file, fields["to"], "the 'to' replacement");
        return Made(file, value, () => new RenameRule(from, to));
    }

    private static ShapeRule MakeShape(YamlSource file, YamlNode value)
    {
        Dictionary<string, YamlNode> fields = Fields(file, value, "shape", ["match", "policy"]);
        ShapePolicy policy = Choice(file, fields["policy"], "policy", ["skip", "error", "slice", "adapt_channels"]) switch
        {
            "skip" => ShapePolicy.Skip,
            "error" => ShapePolicy.Error,
            "slice" => ShapePolicy.Slice,
            _ => ShapePolicy.AdaptChannels,
        };
        string[] patterns = Patterns(file, fields["match"], "shape match");
        return Made(file, value, () => new ShapeRule(policy, patterns));
    }

    /// <summary>One init rule (a mapping) or a list of them.</summary>
    private static void ReadInits(YamlSource file, YamlNode value, RuleSetBuilder builder)
    {
        IEnumerable<YamlNode> items = value is YamlSequenceNode list ? list.Children : [value];
        foreach (YamlNode item in items)
        {
            builder.Add(MakeInit(file, item));
        }
    }

    private static InitRule MakeInit(YamlSource file, YamlNode value)
    {
        Dictionary<string, YamlNode> fields = Fields(file, value, "init", ["match", "kind"], ["std", "mean"]);
        string kind = Choice(file, fields["kind"], "kind", InitKinds);
        TensorInit init;
        if (kind == "normal")
        {
            double mean = fields.TryGetValue("mean", out YamlNode? meanNode) ? Number(file, meanNode, "mean") : 0;
            double std = fields.TryGetValue("std", out YamlNode? stdNode) ? Number(file, stdNode, "std") : 1;
            init = Made(file, value, () => TensorInit.Normal(mean, std));
        }
        else
        {
            foreach (string parameter in new[] { "std", "mean" })
            {
                if (fields.TryGetValue(parameter, out YamlNode? node))
                {
                    throw file.Fail(node, $"init {parameter} applies only to kind normal, not {kind}.");
                }
            }

            init = TensorInit.Of(kind switch
            {
                "keep" => InitKind.Keep,
                "zeros" => InitKind.Zeros,
                "kaiming_normal" => InitKind.KaimingNormal,
                "kaiming_uniform" => InitKind.KaimingUniform,
                _ => InitKind.XavierUniform,
            });
        }

        string[] patterns = Patterns(file, fields["match"], "init match");
        return Made(file, value, () => new InitRule(init, patterns));
    }

    /// <summary>A mapping with the given keys, each of <paramref name="names"/> required, each of <paramref name="optional"/> allowed.</summary>
    private static Dictionary<string, YamlNode> Fields(YamlSource file, YamlNode value, string kind, string[] names, string[]? optional = null)
    {
        optional ??= [];
        if (value is not YamlMappingNode map)
        {
            throw file.Fail(value, $"{kind} needs a mapping {{ {string.Join(", ", names.Select(n => n + ": …"))} }}.");
        }

        Dictionary<string, YamlNode> fields = new(StringComparer.Ordinal);
        foreach ((YamlNode keyNode, YamlNode field) in map.Children)
        {
            string key = Scalar(file, keyNode, $"a {kind} field");
            if (!names.Contains(key) && !optional.Contains(key))
            {
                throw file.Fail(keyNode, $"unknown {kind} field '{key}'; {Hint(key, [.. names, .. optional])}");
            }

            fields[key] = field;
        }

        foreach (string name in names)
        {
            if (!fields.ContainsKey(name))
            {
                throw file.Fail(value, $"{kind} is missing '{name}'.");
            }
        }

        return fields;
    }

    private static MatchStrategy[] ReadMatch(YamlSource file, YamlNode value)
    {
        IEnumerable<YamlNode> items = value is YamlSequenceNode list ? list.Children : [value];
        return items.Select(item => Choice(file, item, "match", ["name", "suffix", "structural"]) switch
        {
            "name" => MatchStrategy.Name,
            "suffix" => MatchStrategy.Suffix,
            _ => MatchStrategy.Structural,
        }).ToArray();
    }

    private static double Fraction(YamlSource file, YamlNode value)
    {
        string text = Scalar(file, value, "a fraction from 0 to 1");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double fraction)
            || double.IsNaN(fraction) || fraction < 0 || fraction > 1)
        {
            throw file.Fail(value, $"min_loaded must be a fraction from 0 to 1, not '{text}'.");
        }

        return fraction;
    }

    private static double Number(YamlSource file, YamlNode value, string name)
    {
        string text = Scalar(file, value, $"a number for {name}");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || !double.IsFinite(number))
        {
            throw file.Fail(value, $"{name} must be a number, not '{text}'.");
        }

        return number;
    }

    private static long Seed(YamlSource file, YamlNode value)
    {
        string text = Scalar(file, value, "a non-negative integer seed");
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long seed))
        {
            throw file.Fail(value, $"seed must be a non-negative integer, not '{text}'.");
        }

        return seed;
    }

    private static string[] Patterns(YamlSource file, YamlNode value, string kind)
    {
        if (value is YamlSequenceNode list)
        {
            if (list.Children.Count == 0)
            {
                throw file.Fail(value, $"{kind} needs at least one key or glob.");
            }

            return list.Children.Select(item => Scalar(file, item, "a key or glob")).ToArray();
        }

        return [Scalar(file, value, "a key or glob, or a list of them")];
    }

    private static string Choice(YamlSource file, YamlNode value, string option, string[] valid)
    {
        string text = Scalar(file, value, string.Join(" | ", valid));
        if (!valid.Contains(text))
        {
            throw file.Fail(value, $"{option} cannot be '{text}'; {Hint(text, valid)}");
        }

        return text;
    }

    private static string Scalar(YamlSource file, YamlNode node, string expected)
    {
        if (node is YamlScalarNode scalar && scalar.Value is not null && !IsNull(scalar))
        {
            return scalar.Value;
        }

        throw file.Fail(node, $"expected {expected} here.");
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && (scalar.Value is null or "" or "~" or "null");

    /// <summary>"did you mean 'x'?" when a valid name is close, else the list of valid names.</summary>
    private static string Hint(string given, IReadOnlyList<string> valid) =>
        NameSuggestion.Suggest(given, valid) is { } best
            ? $"did you mean '{best}'?"
            : "expected one of: " + string.Join(", ", valid) + ".";
}
