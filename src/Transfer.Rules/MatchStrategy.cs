namespace Transfer.Rules;

/// <summary>
/// How target keys find their source. <see cref="Name"/> always runs first on the renamed source keys; the
/// others are fallbacks for targets still unmatched, and never guess between equals.
/// </summary>
public enum MatchStrategy
{
    /// <summary>The renamed source key equals the target key.</summary>
    Name,

    /// <summary>
    /// The unique unused source with the longest common dotted suffix and the same shape (detectron2-style):
    /// <c>backbone.layer1.conv.weight</c> finds <c>layer1.conv.weight</c>.
    /// </summary>
    Suffix,

    /// <summary>
    /// Remaining targets and sources of one shape are paired in order when their counts agree: a renamed
    /// container (<c>moon.0 … moon.11</c> → <c>conv.*</c>/<c>fc.*</c>) lines up by shape.
    /// </summary>
    Structural,
}
