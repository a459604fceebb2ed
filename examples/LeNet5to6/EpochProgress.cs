using Spectre.Console;
using Transfer.Training;

namespace LeNet5to6;

/// <summary>
/// Runs training epochs with Spectre.Console progress bars on an interactive console, or with one plain line
/// per epoch when output is redirected (CI logs, tests).
/// </summary>
internal static class EpochProgress
{
    /// <summary>True when the console can draw live progress bars.</summary>
    public static bool ConsoleIsInteractive =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public static IReadOnlyList<EpochStats> Run(
        string label, int epochs, bool bars, TextWriter output, Func<int, Action<long, long>, EpochStats> epoch)
    {
        List<EpochStats> stats = new();
        if (!bars)
        {
            for (int e = 1; e <= epochs; e++)
            {
                long started = Environment.TickCount64;
                EpochStats s = epoch(e, (_, _) => { });
                stats.Add(s);
                output.WriteLine(Line(label, e, epochs, s, started));
            }

            return stats;
        }

        // Bars carry short labels; the per-epoch results are written once the live display has ended, because
        // nothing else may write to the console while Spectre redraws it.
        List<string> lines = new();
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                for (int e = 1; e <= epochs; e++)
                {
                    ProgressTask task = ctx.AddTask($"{label} {e}/{epochs}");
                    long started = Environment.TickCount64;
                    EpochStats s = epoch(e, (done, total) =>
                    {
                        task.MaxValue = total;
                        task.Value = done;
                    });
                    stats.Add(s);
                    lines.Add(Line(label, e, epochs, s, started));
                    task.StopTask();
                }
            });
        foreach (string line in lines)
        {
            output.WriteLine(line);
        }

        return stats;
    }

    private static string Line(string label, int epoch, int epochs, EpochStats s, long started) =>
        FormattableString.Invariant(
            $"{label} epoch {epoch}/{epochs}: loss {s.Loss:F4}, train accuracy {s.Accuracy:F4} ({(Environment.TickCount64 - started) / 1000.0:F1} s)");
}
