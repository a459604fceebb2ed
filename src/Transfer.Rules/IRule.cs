namespace Transfer.Rules;

/// <summary>
/// One rule of a <see cref="RuleSet"/>. Every rule can say what it is in the words of the YAML that made it,
/// so a report can tell the user which rule decided an entry.
/// </summary>
public interface IRule
{
    /// <summary>The rule as a report shows it, e.g. <c>strip_prefix 'module.'</c>.</summary>
    string Describe();
}
