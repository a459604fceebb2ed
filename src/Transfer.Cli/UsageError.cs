using Transfer.Rules.Errors;

namespace Transfer.Cli;

/// <summary>Folds System.CommandLine's parse errors (some span several lines) into one stderr line.</summary>
internal static class UsageError
{
    /// <summary>
    /// "error: " and the messages joined by "; ", each message's continuation lines (such as the allowed
    /// values under "Must be one of:") joined by ", ", without closing periods, ending with where to find help.
    /// </summary>
    public static string OneLine(IEnumerable<string> messages)
    {
        IEnumerable<string> folded = messages.Select(message =>
        {
            string[] lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            string one = lines.Length <= 1 ? string.Concat(lines) : $"{lines[0]} {string.Join(", ", lines[1..])}";
            return one.TrimEnd('.');
        });
        return $"error: {MessageText.OneLine(string.Join("; ", folded))} (see 'transfer --help')";
    }
}
