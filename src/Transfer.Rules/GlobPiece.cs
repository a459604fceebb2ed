namespace Transfer.Rules;

/// <summary>
/// The text between two stars of a <see cref="Glob"/>, with <c>?</c> matching any one character, and the
/// tables that find it in a name in linear time: a Knuth–Morris–Pratt failure table when it has no <c>?</c>,
/// else Shift-And bit masks (one bit per character of the piece).
/// </summary>
internal sealed class GlobPiece
{
    private readonly string _text;
    private readonly int[]? _failure;
    private readonly ulong[]? _anyChar;
    private readonly Dictionary<char, ulong[]>? _masks;

    public GlobPiece(string text)
    {
        _text = text;
        if (text.Contains('?', StringComparison.Ordinal))
        {
            (_anyChar, _masks) = BuildMasks(text);
        }
        else
        {
            _failure = BuildFailure(text);
        }
    }

    public int Length => _text.Length;

    /// <summary>Whether the piece matches <paramref name="name"/> at <paramref name="start"/>.</summary>
    public bool FitsAt(string name, int start)
    {
        if (start < 0 || start + _text.Length > name.Length)
        {
            return false;
        }

        for (int i = 0; i < _text.Length; i++)
        {
            if (_text[i] != '?' && _text[i] != name[start + i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The leftmost start at or after <paramref name="from"/> where the piece fits and ends by <paramref name="end"/>; -1 when none.</summary>
    public int FindFirst(string name, int from, int end)
    {
        if (_text.Length == 0)
        {
            return from <= end ? from : -1;
        }

        return _failure is not null ? FindLiteral(name, from, end) : FindWithWildcards(name, from, end);
    }

    private int FindLiteral(string name, int from, int end)
    {
        int matched = 0;
        for (int i = from; i < end; i++)
        {
            while (matched > 0 && name[i] != _text[matched])
            {
                matched = _failure![matched - 1];
            }

            if (name[i] == _text[matched])
            {
                matched++;
            }

            if (matched == _text.Length)
            {
                return i - _text.Length + 1;
            }
        }

        return -1;
    }

    /// <summary>Shift-And: bit j of the state says the piece's first j + 1 characters end at the current character.</summary>
    private int FindWithWildcards(string name, int from, int end)
    {
        int words = _anyChar!.Length;
        ulong[] state = new ulong[words];
        int top = (_text.Length - 1) % 64;
        for (int i = from; i < end; i++)
        {
            ulong[] mask = _masks!.TryGetValue(name[i], out ulong[]? own) ? own : _anyChar;
            ulong carry = 1;
            for (int w = 0; w < words; w++)
            {
                ulong next = (state[w] << 1) | carry;
                carry = state[w] >> 63;
                state[w] = next & mask[w];
            }

            if ((state[words - 1] >> top & 1) != 0)
            {
                return i - _text.Length + 1;
            }
        }

        return -1;
    }

    private static int[] BuildFailure(string text)
    {
        int[] failure = new int[text.Length];
        int k = 0;
        for (int i = 1; i < text.Length; i++)
        {
            while (k > 0 && text[i] != text[k])
            {
                k = failure[k - 1];
            }

            if (text[i] == text[k])
            {
                k++;
            }

            failure[i] = k;
        }

        return failure;
    }

    private static (ulong[] AnyChar, Dictionary<char, ulong[]> Masks) BuildMasks(string text)
    {
        int words = (text.Length + 63) / 64;
        ulong[] anyChar = new ulong[words];
        for (int j = 0; j < text.Length; j++)
        {
            if (text[j] == '?')
            {
                anyChar[j / 64] |= 1UL << (j % 64);
            }
        }

        Dictionary<char, ulong[]> masks = [];
        for (int j = 0; j < text.Length; j++)
        {
            char c = text[j];
            if (c == '?')
            {
                continue;
            }

            if (!masks.TryGetValue(c, out ulong[]? mask))
            {
                mask = (ulong[])anyChar.Clone();
                masks[c] = mask;
            }

            mask[j / 64] |= 1UL << (j % 64);
        }

        return (anyChar, masks);
    }
}
