namespace Transfer.Rules.Planning;

/// <summary>
/// Why a target tensor is <see cref="EntryStatus.Skipped"/> or <see cref="EntryStatus.Missing"/>. Reports
/// print each as the snake_case word in its description.
/// </summary>
public enum EntryReason
{
    /// <summary><c>no_source</c>: no source key maps to the target.</summary>
    NoSource,

    /// <summary><c>shape_mismatch</c>: the matched source has another shape and the policy does not slice.</summary>
    ShapeMismatch,

    /// <summary><c>dtype_mismatch</c>: the matched source has another dtype under <c>dtype_mismatch: error</c>.</summary>
    DTypeMismatch,

    /// <summary><c>excluded</c>: an <c>exclude</c> or <c>include</c> rule keeps the target from loading.</summary>
    Excluded,

    /// <summary><c>ambiguous</c>: a fallback found several equally good sources; they are the candidates.</summary>
    Ambiguous,

    /// <summary><c>conflict</c>: two or more source keys resolve to the target; they are the candidates.</summary>
    Conflict,
}
