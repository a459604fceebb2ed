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
    /// Remaining targets and sources are grouped by shape, dtype and leaf name (<c>weight</c>,
    /// <c>running_mean</c>); a group pairs when it holds one of each, or as many of each whose modules differ
    /// only by their numbers (<c>moon.0 … moon.11</c> → <c>conv.0 …</c>), paired in number order. A renamed
    /// container lines up; anything else, or a module split across two, stays <c>ambiguous</c>. Never depends on
    /// the order a file lists its keys.
    /// </summary>
    Structural,
}
