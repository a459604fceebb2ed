using Transfer.Rules.Errors;
using Transfer.Rules.Yaml;
using YamlDotNet.RepresentationModel;

namespace Transfer.Rules.Tests.Yaml;

public sealed class RuleSetYamlTests
{
    private const string Example = """
        rules:
          - strip_prefix: 'module.'
          - rename: { from: '^moon\.(\d+)\.', to: 'conv.$1.' }
          - exclude: ['fc.5.*']
          - shape: { match: 'fc.5.*', policy: slice }
        shape_mismatch: skip
        match: suffix
        min_loaded: 0.5
        """;

    [Fact]
    public void The_documented_example_reads_into_the_same_rules_the_builder_makes()
    {
        RuleSet fromYaml = RuleSetYaml.Parse(Example, "rules.yaml");
        RuleSet fromBuilder = RuleSet.Builder()
            .StripPrefix("module.")
            .Rename(@"^moon\.(\d+)\.", "conv.$1.")
            .Exclude("fc.5.*")
            .Shape(ShapePolicy.Slice, "fc.5.*")
            .ShapeMismatch(ShapePolicy.Skip)
            .Match(MatchStrategy.Suffix)
            .MinLoaded(0.5)
            .Build();

        Assert.Equal(fromBuilder.ToString(), fromYaml.ToString());
    }

    [Fact]
    public void Every_option_and_rule_kind_is_read()
    {
        RuleSet rules = RuleSetYaml.Parse("""
            rules:
              - add_prefix: backbone.
              - include: 'backbone.*'
              - required: [backbone.conv.0.weight, 'backbone.fc.*']
              - shape: { match: [a, b], policy: error }
            shape_mismatch: error
            dtype_mismatch: error
            match: [structural, suffix]
            exclude: x
            """, "r.yaml");

        Assert.Equal(
            "add_prefix 'backbone.'; include 'backbone.*'; required ['backbone.conv.0.weight', 'backbone.fc.*']; " +
            "shape ['a', 'b']: error; exclude 'x'; shape_mismatch error; dtype_mismatch error; match name, structural, suffix",
            rules.ToString());
    }

    [Fact]
    public void Ambiguous_skip_is_read_and_error_is_the_default()
    {
        Assert.Equal(AmbiguousPolicy.Skip, RuleSetYaml.Parse("ambiguous: skip\n", "r.yaml").Ambiguous);
        Assert.Equal(AmbiguousPolicy.Error, RuleSetYaml.Parse("ambiguous: error\n", "r.yaml").Ambiguous);
        Assert.Equal(AmbiguousPolicy.Error, RuleSetYaml.Parse("match: suffix\n", "r.yaml").Ambiguous);
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => RuleSetYaml.Parse("ambiguous: skp\n", "r.yaml"));
        Assert.Equal("r.yaml:1:12: ambiguous cannot be 'skp'; did you mean 'skip'?", e.Message);
    }

    [Fact]
    public void A_bare_list_of_rules_is_a_rule_file_too() =>
        Assert.Equal(
            "strip_prefix 'module.'; shape_mismatch skip; dtype_mismatch cast; match name",
            RuleSetYaml.Parse("- strip_prefix: module.\n", "r.yaml").ToString());

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("~\n")]
    public void An_empty_rule_file_is_the_default(string yaml) =>
        Assert.Equal(RuleSet.Default.ToString(), RuleSetYaml.Parse(yaml, "r.yaml").ToString());

    public static TheoryData<string, string> BadFiles => new()
    {
        { "rules:\n  - strip_prefx: module.\n", "r.yaml:2:5: unknown rule 'strip_prefx'; did you mean 'strip_prefix'?" },
        { "shape_mismatc: skip\n", "r.yaml:1:1: unknown option 'shape_mismatc'; did you mean 'shape_mismatch'?" },
        { "colour: blue\n", "r.yaml:1:1: unknown option 'colour'; expected one of: rules, shape_mismatch, dtype_mismatch, match, min_loaded, include, exclude, required, ambiguous, init, seed." },
        { "shape_mismatch: slice\n", "r.yaml:1:17: shape_mismatch cannot be 'slice' at the top level; slice per glob with '- shape: { match: 'fc.*', policy: slice }'." },
        { "shape_mismatch: errr\n", "r.yaml:1:17: shape_mismatch cannot be 'errr'; did you mean 'error'?" },
        { "match: sufix\n", "r.yaml:1:8: match cannot be 'sufix'; did you mean 'suffix'?" },
        { "min_loaded: 1.5\n", "r.yaml:1:13: min_loaded must be a fraction from 0 to 1, not '1.5'." },
        { "min_loaded: half\n", "r.yaml:1:13: min_loaded must be a fraction from 0 to 1, not 'half'." },
        { "rules:\n  - rename: { from: '^moon(', to: x }\n", "r.yaml:2:13: rename 'from' is not a valid .NET regex: Invalid pattern '^moon(' at offset 6. Not enough )'s." },
        { "rules:\n  - rename: { from: a, too: x }\n", "r.yaml:2:24: unknown rename field 'too'; did you mean 'to'?" },
        { "rules:\n  - rename: { from: a }\n", "r.yaml:2:13: rename is missing 'to'." },
        { "rules:\n  - rename: a\n", "r.yaml:2:13: rename needs a mapping { from: …, to: … }." },
        { "rules:\n  - shape: { match: 'fc.*', policy: slise }\n", "r.yaml:2:37: policy cannot be 'slise'; did you mean 'slice'?" },
        { "rules:\n  - strip_prefix: ''\n", "r.yaml:2:19: strip_prefix needs a non-empty prefix such as 'module.'." },
        { "rules:\n  - exclude: []\n", "r.yaml:2:14: exclude needs at least one key or glob." },
        { "rules:\n  - strip_prefix: a\n    add_prefix: b\n", "r.yaml:2:5: each rule is a mapping with one key, e.g. '- strip_prefix: module.'." },
        { "rules: strip_prefix\n", "r.yaml:1:8: rules must be a list, each item one rule such as '- strip_prefix: module.'." },
        { "just text\n", "r.yaml:1:1: expected a mapping of rule options (rules:, shape_mismatch:, match: …) or a list of rules." },
        { "rules: [\n", "r.yaml:1:8: invalid YAML: this '[' is never closed" },
        { "match: name\nmatch: suffix\n", "r.yaml:2:1: invalid YAML: Duplicate key match" },
        { "a: 1\n---\nb: 2\n", "r.yaml:3:1: a rule file holds one YAML document, but this is a second one." },
        { "init: [{ match: 'fc.7.*', kind: kaiming_normall }]\n", "r.yaml:1:33: kind cannot be 'kaiming_normall'; did you mean 'kaiming_normal'?" },
        { "init: [{ match: 'fc.7.*', kind: zeros, std: 0.1 }]\n", "r.yaml:1:45: init std applies only to kind normal, not zeros." },
        { "init: [{ match: 'fc.7.*', kind: normal, std: 0 }]\n", "r.yaml:1:8: init std must be a positive number, not 0." },
        { "init: [{ match: 'fc.7.*', kind: normal, std: wide }]\n", "r.yaml:1:46: std must be a number, not 'wide'." },
        { "init: [{ match: 'fc.7.*', kind: normal, sdt: 1 }]\n", "r.yaml:1:41: unknown init field 'sdt'; did you mean 'std'?" },
        { "init: [{ kind: zeros }]\n", "r.yaml:1:8: init is missing 'match'." },
        { "rules:\n  - init: { match: [], kind: zeros }\n", "r.yaml:2:20: init match needs at least one key or glob." },
        { "seed: -1\n", "r.yaml:1:7: seed must be a non-negative integer, not '-1'." },
        { "seed: 1.5\n", "r.yaml:1:7: seed must be a non-negative integer, not '1.5'." },
    };

    [Fact]
    public void Init_policies_and_the_seed_read_at_the_top_level_and_in_the_rule_list()
    {
        RuleSet rules = RuleSetYaml.Parse("""
            rules:
              - init: { match: 'fc.7.weight', kind: kaiming_normal }
              - init: [{ match: 'a.*', kind: kaiming_uniform }, { match: b, kind: xavier_uniform }]
            init: [{ match: 'fc.7.bias', kind: normal, std: 0.01 }, { match: c, kind: normal, mean: 1 }, { match: [d, e], kind: zeros }, { match: f, kind: keep }]
            seed: 7
            """, "r.yaml");
        RuleSet built = RuleSet.Builder()
            .Init(TensorInit.Of(InitKind.KaimingNormal), "fc.7.weight")
            .Init(TensorInit.Of(InitKind.KaimingUniform), "a.*")
            .Init(TensorInit.Of(InitKind.XavierUniform), "b")
            .Init(TensorInit.Normal(std: 0.01), "fc.7.bias")
            .Init(TensorInit.Normal(mean: 1), "c")
            .Init(TensorInit.Of(InitKind.Zeros), "d", "e")
            .Init(TensorInit.Keep, "f")
            .Seed(7)
            .Build();

        Assert.Equal(
            "init 'fc.7.weight': kaiming_normal; init 'a.*': kaiming_uniform; init 'b': xavier_uniform; " +
            "init 'fc.7.bias': normal(mean=0, std=0.01); init 'c': normal(mean=1, std=1); init ['d', 'e']: zeros; init 'f': keep; " +
            "shape_mismatch skip; dtype_mismatch cast; match name; seed 7",
            rules.ToString());
        Assert.Equal(built.ToString(), rules.ToString());
        Assert.Equal(built.Rules, rules.Rules);
        Assert.Equal(7, rules.Seed);
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Mistakes_are_one_line_with_file_line_column_and_the_closest_name(string yaml, string message) =>
        Assert.Equal(message, Assert.Throws<RuleConfigException>(() => RuleSetYaml.Parse(yaml, "r.yaml")).Message);

    [Fact]
    public void A_rules_section_embedded_in_another_config_reads_from_its_node()
    {
        YamlStream stream = new();
        stream.Load(new StringReader("epochs: 3\nrules:\n  shape_mismatch: error\n  rules:\n    - strip_prefix: module.\n"));
        YamlNode section = ((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("rules")];

        RuleSet rules = RuleSetYaml.FromNode(section, "finetune.yaml");

        Assert.Equal("strip_prefix 'module.'; shape_mismatch error; dtype_mismatch cast; match name", rules.ToString());
    }

    [Fact]
    public void Errors_in_an_embedded_section_point_into_the_whole_file()
    {
        YamlStream stream = new();
        stream.Load(new StringReader("epochs: 3\nrules:\n  - add_prefx: a.\n"));
        YamlNode section = ((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("rules")];

        Assert.Equal(
            "finetune.yaml:3:5: unknown rule 'add_prefx'; did you mean 'add_prefix'?",
            Assert.Throws<RuleConfigException>(() => RuleSetYaml.FromNode(section, "finetune.yaml")).Message);
    }

    [Fact]
    public void Load_reads_the_file_and_names_it_when_missing()
    {
        string path = Path.Combine(Path.GetTempPath(), $"rules-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Example);
        try
        {
            Assert.Equal(RuleSetYaml.Parse(Example, path).ToString(), RuleSetYaml.Load(path).ToString());
        }
        finally
        {
            File.Delete(path);
        }

        RuleConfigException e = Assert.Throws<RuleConfigException>(() => RuleSetYaml.Load(path));
        Assert.StartsWith($"{path}: cannot read the rule file: Could not find file", e.Message);
    }
}
