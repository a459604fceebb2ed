namespace Transfer.Rules.Yaml;

/// <summary>Words the "did you mean 'strip_prefix'?" part of rule-file errors.</summary>
internal static class Suggest
{
    /// <summary>" (did you mean 'x'?)" for the closest name within a third of its length, else the valid names.</summary>
    public static string Hint(string given, IReadOnlyList<string> valid)
    {
        if (NameSuggestion.Closest(given, valid, out int distance) is { } best && distance <= Math.Max(2, best.Length / 3))
        {
            return $"did you mean '{best}'?";
        }

        return "expected one of: " + string.Join(", ", valid) + ".";
    }
}
