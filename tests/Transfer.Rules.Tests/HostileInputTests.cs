using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Transfer.Rules.Errors;

namespace Transfer.Rules.Tests;

/// <summary>
/// Rule files and checkpoints come from users: globs, suffix matching and renames must finish on hostile
/// inputs that took quadratic time or memory before (minutes, or tens of gigabytes of suffix strings). The 5-s bound
/// is generous on purpose; it is a hang detector, not a speed assertion.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_glob_with_a_long_piece_after_a_star_matches_a_long_name_in_linear_time()
    {
        string name = new('a', 1_000_000);
        string longPiece = "*" + new string('a', 30_000) + "b";
        string wildPiece = "*" + string.Concat(Enumerable.Repeat("a?", 2_000)) + "b";

        Assert.Equal((false, false, true), Finishes(() => (
            Glob.IsMatch(longPiece, name),
            new Glob(wildPiece).IsMatch(name),
            Glob.IsMatch("*" + string.Concat(Enumerable.Repeat("a*", 1_000)), name))));
    }

    [Property(MaxTest = 500)]
    public Property Glob_agrees_with_the_regex_it_stands_for()
    {
        Gen<string> pattern = Gen.Elements('a', 'b', '.', '*', '?').ArrayOf().Select(c => new string(c));
        Gen<string> name = Gen.Elements('a', 'b', '.').ArrayOf().Select(c => new string(c));
        return Prop.ForAll(pattern.ToArbitrary(), name.ToArbitrary(), (p, n) =>
        {
            string regex = "^" + Regex.Escape(p).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
            return Glob.IsMatch(p, n) == Regex.IsMatch(n, regex, RegexOptions.Singleline | RegexOptions.CultureInvariant);
        });
    }

    [Fact]
    public void Suffix_matching_over_a_key_of_100_000_characters_finishes()
    {
        string tail = string.Join('.', Enumerable.Repeat("a", 50_000));
        RuleSet suffix = RuleSet.Builder().Match(MatchStrategy.Suffix).Build();

        TransferPlan plan = Finishes(() => TransferPlanner.Plan([F32("x." + tail, 3)], [F32("y." + tail, 3)], suffix));

        Assert.Equal(("x." + tail, RuleKind.Suffix), (plan.Entries[0].Source, plan.Entries[0].RuleKind));
    }

    [Fact]
    public void A_rename_that_doubles_keys_rule_after_rule_is_refused_in_one_line()
    {
        RuleSetBuilder builder = RuleSet.Builder();
        for (int i = 0; i < 40; i++)
        {
            builder.Rename("(.)", "$1$1");
        }

        RuleSet doubling = builder.Build();
        RuleConfigException e = Finishes(() => Assert.Throws<RuleConfigException>(
            () => TransferPlanner.Plan([F32("conv.0.weight", 3)], [F32("conv.0.weight", 3)], doubling)));

        Assert.Equal(
            "rename '(.)' -> '$1$1' makes key 'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc…' " +
            "longer than 4096 characters; a rename must not grow keys without bound.",
            e.Message);
    }

    [Fact]
    public void A_rename_that_repeats_the_whole_key_at_every_position_is_refused_before_it_is_built()
    {
        RuleSet squaring = RuleSet.Builder().Rename("k", "$_").Build();
        string key = new('k', 200_000);

        RuleConfigException e = Finishes(() => Assert.Throws<RuleConfigException>(
            () => TransferPlanner.Plan([F32(key, 3)], [F32("k", 3)], squaring)));

        Assert.EndsWith("longer than 200000 characters; a rename must not grow keys without bound.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rename_that_keeps_keys_short_is_untouched_by_the_limit()
    {
        RuleSet rules = RuleSet.Builder().Rename(@"^moon\.(\d+)\.", "conv.$1.").Build();
        TransferPlan plan = TransferPlanner.Plan([F32("moon.0.weight", 3)], [F32("conv.0.weight", 3)], rules);

        Assert.Equal(EntryStatus.Loaded, plan.Entries[0].Status);
    }

    [Fact]
    public void A_glob_longer_than_4096_characters_is_refused_in_one_line()
    {
        RuleConfigException e = Assert.Throws<RuleConfigException>(() => RuleSet.Builder().Exclude(new string('?', 5_000)).Build());

        Assert.Equal("exclude has a pattern of 5000 characters; a key or glob may have at most 4096.", e.Message);
    }

    private static T Finishes<T>(Func<T> work)
    {
        Task<T> task = Task.Run(work);
        Assert.True(task.Wait(Bound), $"did not finish within {Bound.TotalSeconds:0} s");
        return task.Result;
    }
}
