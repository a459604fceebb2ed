using System.CommandLine;
using Transfer.Rules;
using Transfer.Rules.Errors;

namespace Transfer.Cli;

/// <summary>Recognises a first argument that is meant as a verb but is none, and says which verb was likely meant.</summary>
internal static class VerbUsage
{
    /// <summary>
    /// The one-line error for <paramref name="first"/> when it is not an option and not one of
    /// <paramref name="root"/>'s verbs, suggesting the closest verb; null when it is fine.
    /// </summary>
    public static string? Unknown(string first, Command root)
    {
        if (first.StartsWith('-') || root.Subcommands.Any(c => c.Name == first))
        {
            return null;
        }

        string[] verbs = [.. root.Subcommands.Select(c => c.Name)];
        string hint = NameSuggestion.Suggest(first, verbs) is { } near ? $"; did you mean '{near}'?" : $"; the verbs are {string.Join(", ", verbs)}";
        return MessageText.OneLine($"error: unknown verb '{first}'{hint} (see 'transfer --help')");
    }
}
