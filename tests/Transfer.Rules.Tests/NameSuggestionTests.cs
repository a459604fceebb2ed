namespace Transfer.Rules.Tests;

public sealed class NameSuggestionTests
{
    [Theory]
    [InlineData("strip_prefx", "strip_prefix", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "", 0)]
    [InlineData("", "abc", 3)]
    [InlineData("Conv", "conv", 1)]
    public void Distance_counts_single_character_edits(string a, string b, int expected) =>
        Assert.Equal(expected, NameSuggestion.Distance(a, b));

    [Fact]
    public void Closest_ignores_case_and_reports_the_distance()
    {
        Assert.Equal("LeNet6", NameSuggestion.Closest("lenet7", ["MLP", "LeNet6", "ResNet18"], out int distance));
        Assert.Equal(1, distance);
    }

    [Fact]
    public void Closest_breaks_ties_by_candidate_order()
    {
        Assert.Equal("ab", NameSuggestion.Closest("a", ["ab", "ac"], out _));
        Assert.Equal("ac", NameSuggestion.Closest("a", ["ac", "ab"], out _));
    }

    [Fact]
    public void Closest_is_null_without_candidates_or_beyond_the_limit()
    {
        Assert.Null(NameSuggestion.Closest("x", [], out int distance));
        Assert.Equal(int.MaxValue, distance);
        Assert.Null(NameSuggestion.Closest("freeze", ["epochs"], 2));
        Assert.Equal("epochs", NameSuggestion.Closest("epoch", ["epochs"], 2));
    }

    [Theory]
    [InlineData("epoch", "epochs")]
    [InlineData("strip_prefx", "strip_prefix")]
    [InlineData("LENET6", "LeNet6")]
    [InlineData("fc", null)]
    [InlineData("freeze", null)]
    public void Suggest_offers_a_name_only_within_a_third_of_the_typed_length(string typed, string? expected) =>
        Assert.Equal(expected, NameSuggestion.Suggest(typed, ["epochs", "strip_prefix", "LeNet6", "conv"]));
}
