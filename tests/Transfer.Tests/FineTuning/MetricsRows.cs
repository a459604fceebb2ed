namespace Transfer.Tests.FineTuning;

/// <summary>A run's metrics.csv as comparable text: every line without its seconds column (the 7th; lr_groupN columns follow it).</summary>
internal static class MetricsRows
{
    /// <summary>The lines of <c>metrics.csv</c> in <paramref name="runFolder"/>, each without its seconds.</summary>
    public static IEnumerable<string> WithoutSeconds(string runFolder) =>
        File.ReadAllLines(Path.Combine(runFolder, "metrics.csv")).Select(l => string.Join(',', l.Split(',').Where((_, i) => i != 6)));
}
