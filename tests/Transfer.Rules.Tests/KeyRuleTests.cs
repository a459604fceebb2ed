using Transfer.Rules.Errors;

namespace Transfer.Rules.Tests;

public sealed class KeyRuleTests
{
    [Theory]
    [InlineData("module.fc.weight", "fc.weight")]
    [InlineData("fc.weight", "fc.weight")]
    [InlineData("xmodule.fc.weight", "xmodule.fc.weight")]
    public void Strip_prefix_removes_the_prefix_only_where_it_starts_the_key(string key, string expected) =>
        Assert.Equal(expected, new StripPrefixRule("module.").Map(key));

    [Fact]
    public void Add_prefix_prepends_to_every_key() =>
        Assert.Equal("backbone.conv.0.weight", new AddPrefixRule("backbone.").Map("conv.0.weight"));

    [Theory]
    [InlineData("moon.0.weight", "conv.0.weight")]
    [InlineData("moon.11.bias", "conv.11.bias")]
    [InlineData("sun.0.weight", "sun.0.weight")]
    [InlineData("moonx.0.weight", "moonx.0.weight")]
    public void Rename_rewrites_matching_keys_with_groups(string key, string expected) =>
        Assert.Equal(expected, new RenameRule(@"^moon\.(\d+)\.", "conv.$1.").Map(key));

    [Fact]
    public void Rename_replaces_every_match_in_the_key() =>
        Assert.Equal("a_b_c", new RenameRule(@"\.", "_").Map("a.b.c"));

    [Theory]
    [InlineData(@"^moon\.(\d+)\.", "moon.")]
    [InlineData(@"^backbone\.layer1", "backbone.layer1")]
    [InlineData(@"^ab*c", "a")]
    [InlineData(@"^a|b", "")]
    [InlineData(@"moon\.", "")]
    [InlineData(@"^(moon)", "")]
    public void Rename_finds_the_literal_start_an_anchored_regex_requires(string pattern, string literal) =>
        Assert.Equal(literal, RenameRule.LiteralStart(pattern));

    [Fact]
    public void Rename_with_a_bad_regex_names_the_regex_problem()
    {
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => new RenameRule("^moon(", "x"));
        Assert.StartsWith("rename 'from' is not a valid .NET regex: Invalid pattern '^moon(' at offset 6. Not enough )'s.", e.Message);
    }

    [Fact]
    public void Empty_prefixes_are_refused()
    {
        Assert.Equal("strip_prefix needs a non-empty prefix such as 'module.'.",
            Assert.Throws<RuleConfigException>(() => new StripPrefixRule("")).Message);
        Assert.Equal("add_prefix needs a non-empty prefix such as 'backbone.'.",
            Assert.Throws<RuleConfigException>(() => new AddPrefixRule("")).Message);
    }

    [Fact]
    public void Rules_describe_themselves_as_the_yaml_says_them()
    {
        Assert.Equal("strip_prefix 'module.'", new StripPrefixRule("module.").Describe());
        Assert.Equal("add_prefix 'backbone.'", new AddPrefixRule("backbone.").Describe());
        Assert.Equal(@"rename '^moon\.(\d+)\.' -> 'conv.$1.'", new RenameRule(@"^moon\.(\d+)\.", "conv.$1.").Describe());
        Assert.Equal("exclude ['fc.5.*', 'fc.7.weight']", new ExcludeRule("fc.5.*", "fc.7.weight").Describe());
        Assert.Equal("include 'conv.*'", new IncludeRule("conv.*").Describe());
        Assert.Equal("required 'conv.*'", new RequiredRule("conv.*").Describe());
        Assert.Equal("shape 'fc.*': slice", new ShapeRule(ShapePolicy.Slice, "fc.*").Describe());
    }

    [Theory]
    [InlineData("fc.5.*", "fc.5.weight", true)]
    [InlineData("fc.5.*", "fc.50.weight", false)]
    [InlineData("fc.*", "fc.5.weight", true)]
    [InlineData("*.bias", "conv.0.bias", true)]
    [InlineData("conv.?.weight", "conv.3.weight", true)]
    [InlineData("conv.?.weight", "conv.12.weight", false)]
    [InlineData("fc.5.weight", "fc.5.weight", true)]
    [InlineData("fc.5.weight", "fc.5.weights", false)]
    [InlineData("*", "anything.at.all", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    public void Globs_match_whole_keys_with_star_and_question_mark(string pattern, string key, bool expected) =>
        Assert.Equal(expected, new ExcludeRule(pattern).Matches(key));

    [Fact]
    public void Target_rules_need_a_pattern()
    {
        Assert.Equal("exclude needs at least one key or glob.",
            Assert.Throws<RuleConfigException>(() => new ExcludeRule()).Message);
        Assert.Equal("include has an empty pattern; write a key or a glob such as 'fc.*'.",
            Assert.Throws<RuleConfigException>(() => new IncludeRule("")).Message);
    }

    [Fact]
    public void Rules_are_equal_by_what_they_say_not_by_their_compiled_state()
    {
        Assert.Equal(new RenameRule("^a", "b"), new RenameRule("^a", "b"));
        Assert.NotEqual(new RenameRule("^a", "b"), new RenameRule("^a", "c"));
        Assert.Equal(new ExcludeRule("a", "b"), new ExcludeRule("a", "b"));
        Assert.Equal(new ExcludeRule("a", "b").GetHashCode(), new ExcludeRule("a", "b").GetHashCode());
        Assert.NotEqual(new ExcludeRule("a", "b"), new ExcludeRule("b", "a"));
        Assert.Equal(new ShapeRule(ShapePolicy.Slice, "fc.*"), new ShapeRule(ShapePolicy.Slice, "fc.*"));
        Assert.NotEqual(new ShapeRule(ShapePolicy.Slice, "fc.*"), new ShapeRule(ShapePolicy.Skip, "fc.*"));
        Assert.Equal(new StripPrefixRule("module."), new StripPrefixRule("module."));
    }

    [Fact]
    public void A_rename_regex_that_runs_away_stops_at_its_timeout_naming_the_rule_and_key()
    {
        RenameRule rule = new("^(a+)+$", "x");
        string key = new string('a', 40) + "!";

        RuleConfigException e = Assert.Throws<RuleConfigException>(() => rule.Map(key));
        Assert.Equal($"rename '^(a+)+$' -> 'x' ran longer than 1 s on key '{key}'; simplify the regex.", e.Message);
    }
}
