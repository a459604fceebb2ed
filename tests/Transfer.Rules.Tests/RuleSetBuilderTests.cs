using Transfer.Rules.Errors;

namespace Transfer.Rules.Tests;

public sealed class RuleSetBuilderTests
{
    [Fact]
    public void Builder_keeps_rules_in_order_and_the_options_given()
    {
        RuleSet rules = RuleSet.Builder()
            .StripPrefix("module.")
            .Rename(@"^moon\.(\d+)", "conv.$1")
            .Exclude("fc.5.*")
            .Shape(ShapePolicy.Slice, "fc.*")
            .ShapeMismatch(ShapePolicy.Error)
            .DTypeMismatch(DTypePolicy.Error)
            .Match(MatchStrategy.Suffix, MatchStrategy.Structural)
            .MinLoaded(0.5)
            .Build();

        Assert.Equal(
            @"strip_prefix 'module.'; rename '^moon\.(\d+)' -> 'conv.$1'; exclude 'fc.5.*'; shape 'fc.*': slice; " +
            "shape_mismatch error; dtype_mismatch error; match name, suffix, structural; min_loaded 0.5",
            rules.ToString());
    }

    [Fact]
    public void Default_matches_by_name_skips_shapes_and_casts_dtypes() =>
        Assert.Equal("shape_mismatch skip; dtype_mismatch cast; match name", RuleSet.Default.ToString());

    [Fact]
    public void Build_lists_every_problem_at_once()
    {
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => RuleSet.Builder()
            .StripPrefix("")
            .Rename("(", "x")
            .ShapeMismatch(ShapePolicy.Slice)
            .MinLoaded(1.5)
            .Match(MatchStrategy.Suffix, MatchStrategy.Suffix)
            .Build());

        Assert.Equal(
            "5 problems in the rules: (1) strip_prefix needs a non-empty prefix such as 'module.'. " +
            "(2) rename 'from' is not a valid .NET regex: Invalid pattern '(' at offset 1. Not enough )'s. " +
            "(3) shape_mismatch must be skip or error, not slice; use a per-glob shape rule for slice. " +
            "(4) min_loaded must be a fraction from 0 to 1, not 1.5. (5) match lists suffix twice.",
            e.Message);
    }

    [Fact]
    public void A_built_builder_is_frozen()
    {
        RuleSetBuilder builder = RuleSet.Builder().StripPrefix("module.");
        builder.Build();

        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => builder.AddPrefix("x."));
        Assert.Equal("This builder already built its RuleSet; start a new one with RuleSet.Builder().", e.Message);
        Assert.Throws<InvalidOperationException>(() => builder.Build());
    }
}
