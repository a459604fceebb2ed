using System.Globalization;

namespace Transfer.Rules.Planning;

/// <summary>
/// A rule that would make more of the target load, computed from the keys when a plan loads nothing or less
/// than half of the target's tensors: a prefix to strip or add, or a leading component to rename.
/// </summary>
/// <param name="Rule">The rule as a line of a rule file, e.g. <c>strip_prefix: 'module.'</c>.</param>
/// <param name="Loads">How many target tensors would load whole with this rule added after the others.</param>
/// <param name="Targets">How many tensors the target has.</param>
public sealed record RuleSuggestion(string Rule, int Loads, int Targets)
{
    /// <summary>The suggestion as every report prints it: <c>suggested: strip_prefix: 'module.'  (loads 318 of 320)</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"suggested: {Rule}  (loads {Loads} of {Targets})");
}
