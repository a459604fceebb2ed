using System.Text;
using Transfer.Rules.Errors;
using Transfer.Rules.Yaml;
using YamlDotNet.RepresentationModel;

namespace Transfer.Rules.Tests.Yaml;

/// <summary>
/// The YAML source both the rule reader and the run-config reader parse with: every syntax error has a
/// position, and documents whose aliases would make readers walk, hash or compare without bound are refused.
/// </summary>
public sealed class YamlSourceTests
{
    /// <summary>Level 0 is a list of ten scalars; each next level lists the previous one ten times (10^levels nodes).</summary>
    internal static string Laughs(int levels, string indent = "")
    {
        StringBuilder text = new();
        text.Append(indent).Append("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i <= levels; i++)
        {
            string previous = string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10));
            text.Append(indent).Append($"l{i}: &l{i} [{previous}]\n");
        }

        return text.ToString();
    }

    /// <summary>The same as one flow list on one line, for complex keys and <c>--set</c> values.</summary>
    internal static string FlowLaughs(int levels) =>
        "[&l0 [x, x, x, x, x, x, x, x, x, x]"
        + string.Concat(Enumerable.Range(1, levels).Select(i => $", &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]"))
        + "]";

    private static string Error(string yaml) =>
        Assert.Throws<RuleConfigException>(() => YamlSource.Parse(yaml, "r.yaml")).Message;

    [Fact]
    public void A_billion_laughs_document_is_refused_at_the_alias_that_crosses_the_bound() =>
        Assert.Equal(
            "r.yaml:5:45: aliases expand to more than 100000 nodes (a 'billion laughs' document?); write the values out instead",
            Error(Laughs(9)));

    [Fact]
    public void A_billion_laughs_complex_key_is_refused_before_it_is_hashed() =>
        Assert.Equal(
            "r.yaml:1:248: aliases expand to more than 100000 nodes (a 'billion laughs' document?); write the values out instead",
            Error("? " + FlowLaughs(9) + "\n: 1\n"));

    [Fact]
    public void Refusing_laughs_of_a_billion_nodes_allocates_what_the_text_needs_not_what_it_expands_to()
    {
        string yaml = "? " + FlowLaughs(9) + "\n: 1\n";
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<RuleConfigException>(() => YamlSource.Parse(yaml, "r.yaml"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 5_000_000, $"{allocated} bytes allocated");
    }

    [Fact]
    public void A_rule_file_of_laughs_fails_in_one_line_with_its_position()
    {
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => RuleSetYaml.Parse("x:\n" + Laughs(9, "  ") + "exclude: *l9\n", "r.yaml"));
        Assert.StartsWith("r.yaml:6:47: aliases expand to more than 100000 nodes", e.Message);
    }

    [Fact]
    public void Aliases_within_the_bound_read_as_their_anchors()
    {
        YamlSource source = YamlSource.Parse(Laughs(3), "r.yaml");
        YamlMappingNode root = (YamlMappingNode)source.Documents[0];
        Assert.Equal(10_000, ((YamlSequenceNode)root["l3"]).AllNodes.Count(n => n is YamlScalarNode));
    }

    [Fact]
    public void A_set_value_of_laughs_is_refused_naming_the_argument()
    {
        YamlSource source = YamlSource.Parse("a: 1\n", "r.yaml");
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => source.ParseValue(FlowLaughs(9), "--set a=…"));
        Assert.Equal("--set a=…: the value at column 246: aliases expand to more than 100000 nodes (a 'billion laughs' document?); write the values out instead", e.Message);
    }

    [Fact]
    public void An_alias_inside_its_own_anchor_is_a_cycle_and_refused() =>
        Assert.Equal("r.yaml:1:8: the alias '*x' is inside the node '&x' it refers to (a cycle)", Error("a: &x [*x]\n"));

    [Fact]
    public void An_alias_without_an_anchor_names_its_position() =>
        Assert.Equal("r.yaml:2:4: the alias '*y' has no anchor '&y' before it", Error("a: 1\nb: *y\n"));

    [Fact]
    public void Nesting_deeper_than_the_bound_is_refused_before_loading_recurses() =>
        Assert.Equal(
            "r.yaml:1:129: collections are nested more than 128 deep",
            Error(new string('[', 100_000) + new string(']', 100_000)));

    [Theory]
    [InlineData("seed: [1, 2\nsource: {}\n", "r.yaml:1:7: invalid YAML: this '[' is never closed")]
    [InlineData("a: {x: 1\nb: 3\n", "r.yaml:1:4: invalid YAML: this '{' is never closed")]
    [InlineData("a: [1,\n  2\n", "r.yaml:1:4: invalid YAML: this '[' is never closed")]
    [InlineData("a: {b: [1, {c: 2}\n", "r.yaml:1:8: invalid YAML: this '[' is never closed")]
    [InlineData("[", "r.yaml:1:1: invalid YAML: this '[' is never closed")]
    [InlineData("a: [1, 2]]\n", "r.yaml:1:10: invalid YAML: While parsing a block mapping, did not find expected key.")]
    [InlineData("a:\n\tb: 1\n", "r.yaml:2:1: invalid YAML: While scanning a mapping, found invalid tab as indentation.")]
    [InlineData("a: 1\n\tb: 2\n", "r.yaml:2:1: invalid YAML: While scanning a plain scalar, found a tab character that violate indentation.")]
    [InlineData("a: 'open\n", "r.yaml:1:4: invalid YAML: While scanning a quoted scalar, found unexpected end of stream.")]
    public void Syntax_errors_carry_file_line_and_column(string yaml, string message) =>
        Assert.Equal(message, Error(yaml));

    [Fact]
    public void Nodes_made_by_a_set_argument_are_located_by_it()
    {
        YamlSource source = YamlSource.Parse("a: 1\n", "r.yaml");
        YamlNode value = source.ParseValue("[x, y]", "--set a=[x, y]");
        Assert.Equal("--set a=[x, y]", source.Where(((YamlSequenceNode)value)[1]));
        Assert.Equal("r.yaml:1:4", source.Where(((YamlMappingNode)source.Documents[0])["a"]));
    }
}
