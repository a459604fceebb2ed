namespace Transfer.Rules.Planning;

/// <summary>
/// What kind of rule matched a source to a target. <see cref="PlanEntry.Rule"/> carries the words a report
/// prints (<c>name</c>, <c>suffix</c>, <c>structural</c>, or the key rules themselves).
/// </summary>
public enum RuleKind
{
    /// <summary><c>name</c>: the source key, unchanged by any key rule, equals the target key.</summary>
    Name,

    /// <summary>Key rules (<c>strip_prefix</c>, <c>add_prefix</c>, <c>rename</c>) turned the source key into the target key.</summary>
    KeyRules,

    /// <summary><c>suffix</c>: the unique source with the longest common dotted suffix.</summary>
    Suffix,

    /// <summary><c>structural</c>: the unambiguous pair of its shape, dtype and leaf name.</summary>
    Structural,
}
