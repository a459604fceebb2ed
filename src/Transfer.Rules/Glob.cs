namespace Transfer.Rules;

/// <summary>
/// A glob over dotted tensor names, the one pattern language of rule files, <c>freeze</c>, <c>unfreeze</c> and
/// <c>param_groups</c>: <c>*</c> matches any run of characters (dots included, so <c>conv.*</c> covers
/// <c>conv.0.weight</c>), <c>?</c> exactly one character, anything else itself (ordinal, case-sensitive). A
/// pattern must match the whole name. Matching never backtracks: the text before the first <c>*</c> must start
/// the name, the text after the last must end it, and each piece between stars is found at its leftmost place
/// after the previous one (which is always a match when there is one). A piece without <c>?</c> is found by
/// Knuth–Morris–Pratt, one with <c>?</c> by a bit-parallel scan, so a match takes time linear in the name's
/// length (times the piece's length / 64 for pieces with <c>?</c>): a pattern from user YAML cannot blow up.
/// </summary>
public sealed class Glob
{
    private readonly GlobPiece[] _pieces;

    /// <summary>Creates a glob from its text.</summary>
    /// <param name="pattern">A glob such as <c>conv.*</c> or <c>fc.?.bias</c>.</param>
    public Glob(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Pattern = pattern;
        _pieces = Array.ConvertAll(pattern.Split('*'), piece => new GlobPiece(piece));
    }

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>Whether <paramref name="name"/> matches the whole pattern.</summary>
    public bool IsMatch(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Matches(_pieces, name);
    }

    /// <summary>Whether <paramref name="name"/> matches the whole of <paramref name="pattern"/>, without keeping a <see cref="Glob"/>.</summary>
    public static bool IsMatch(string pattern, string name)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(name);
        return new Glob(pattern).IsMatch(name);
    }

    private static bool Matches(GlobPiece[] pieces, string name)
    {
        GlobPiece first = pieces[0];
        if (pieces.Length == 1)
        {
            return name.Length == first.Length && first.FitsAt(name, 0);
        }

        GlobPiece last = pieces[^1];
        int end = name.Length - last.Length;
        if (end < first.Length || !first.FitsAt(name, 0) || !last.FitsAt(name, end))
        {
            return false;
        }

        int position = first.Length;
        for (int i = 1; i < pieces.Length - 1; i++)
        {
            int found = pieces[i].FindFirst(name, position, end);
            if (found < 0)
            {
                return false;
            }

            position = found + pieces[i].Length;
        }

        return true;
    }
}
