using System.Globalization;
using System.Text;

namespace Transfer.Rules.Errors;

/// <summary>
/// Makes text from files safe to print on one line: control characters (newlines, ANSI escapes, C1 codes,
/// Unicode line separators and bidirectional overrides) become visible escapes such as <c>\n</c> and
/// <c>\x1b</c>, and long text keeps its start and end around a middle ellipsis, so a hostile name can neither
/// break the one-line error promise, recolour a terminal, nor flood it. Every error message
/// (<see cref="TransferException"/>), the CLI's error printer and every report cell go through here.
/// </summary>
internal static class MessageText
{
    /// <summary>How many characters of an error message a user is shown at most.</summary>
    public const int MessageLimit = 2000;

    /// <summary>Escapes every character that would not print as itself on one line; other text is returned as is.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int first = 0;
        while (first < text.Length && !NeedsEscape(text[first]))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        StringBuilder escaped = new(text.Length + 16);
        escaped.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (!NeedsEscape(c))
            {
                escaped.Append(c);
                continue;
            }

            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                < '\u0100' => "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture),
                _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }

        return escaped.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> if it has at most <paramref name="max"/> characters, else its first and last
    /// characters around "…" so the result has exactly <paramref name="max"/>. Never splits a surrogate pair.
    /// </summary>
    public static string Shorten(string text, int max)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        if (text.Length <= max)
        {
            return text;
        }

        int head = (max - 1) / 2;
        int tail = max - 1 - head;
        if (head > 0 && char.IsHighSurrogate(text[head - 1]))
        {
            head--;
        }

        if (tail > 0 && char.IsLowSurrogate(text[^tail]))
        {
            tail--;
        }

        return string.Concat(text.AsSpan(0, head), "…", text.AsSpan(text.Length - tail));
    }

    /// <summary>A message as a user sees it: escaped, and at most <see cref="MessageLimit"/> characters.</summary>
    public static string OneLine(string message) => Shorten(Escape(message), MessageLimit);

    private static bool NeedsEscape(char c) =>
        char.IsControl(c)
        || c is '\u2028' or '\u2029' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');
}
