namespace Transfer.Rules.Tests;

public sealed class GlobTests
{
    [Theory]
    [InlineData("conv.*", "conv.0.weight", true)]
    [InlineData("conv.*", "xconv.0.weight", false)]
    [InlineData("fc.?.bias", "fc.5.bias", true)]
    [InlineData("fc.?.bias", "fc.10.bias", false)]
    [InlineData("fc.5", "fcx5", false)]
    [InlineData("a+b(c)", "a+b(c)", true)]
    [InlineData("*.bias", ".bias", true)]
    [InlineData("a*b*c", "abcbc", true)]
    [InlineData("a*b*c", "abcb", false)]
    [InlineData("Conv.*", "conv.0.weight", false)]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("**", "", true)]
    public void Star_matches_any_run_question_mark_one_character_and_the_rest_is_literal(string pattern, string name, bool expected)
    {
        Assert.Equal(expected, Glob.IsMatch(pattern, name));
        Assert.Equal(expected, new Glob(pattern).IsMatch(name));
    }

    [Fact]
    public void A_pattern_that_would_make_a_regex_backtrack_matches_quickly()
    {
        string name = new('a', 20_000);
        Assert.False(Glob.IsMatch("*a*a*a*a*a*a*a*b", name));
        Assert.True(Glob.IsMatch("*a*a*a*a*a*a*a*", name));
    }
}
