using Transfer.Rules;
using Transfer.Rules.Yaml;
using Transfer.Tests.FineTuning;

namespace Transfer.Tests;

/// <summary>The YAML example of the README's Rules section is a valid rule file with the rules it claims.</summary>
public sealed class ReadmeRulesExampleTests
{
    [Fact]
    public void The_rules_example_in_the_README_parses_into_the_documented_rules()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        int section = readme.IndexOf("## Rules", StringComparison.Ordinal);
        int start = readme.IndexOf("```yaml\n", section, StringComparison.Ordinal) + "```yaml\n".Length;
        string yaml = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];

        RuleSet rules = RuleSetYaml.Parse(yaml, "README.md");

        Assert.Equal(
            "strip_prefix 'module.'; rename '^moon\\.(\\d+)\\.' -> 'conv.$1.'; exclude 'fc.5.*'; shape 'fc.5.*': slice; " +
            "shape 'conv1.weight': adapt_channels; init 'fc.7.weight': kaiming_uniform; init 'fc.7.bias': normal(mean=0, std=0.01); " +
            "required 'conv.*'; shape_mismatch skip; dtype_mismatch cast; match name, suffix, structural; min_loaded 0.5; seed 1",
            rules.ToString());
    }
}
