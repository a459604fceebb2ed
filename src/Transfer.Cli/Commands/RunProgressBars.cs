using System.Diagnostics;
using Spectre.Console;
using Transfer.FineTuning;

namespace Transfer.Cli.Commands;

/// <summary>
/// One Spectre progress bar per epoch on an interactive stderr: batches done, the epoch's running training
/// loss, images per second and the epoch's remaining time. Fed by the run's synchronous progress reports;
/// log lines written to the same console appear above the bars. Reports also reach the options' own progress, if any.
/// </summary>
internal static class RunProgressBars
{
    public static T Run<T>(IAnsiConsole console, FineTuneOptions options, Func<FineTuneOptions, T> run)
    {
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new RemainingTimeColumn(),
                new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask? bar = null;
                int barEpoch = 0;
                long firstExamples = 0;
                Stopwatch clock = new();
                result = run(options with
                {
                    Progress = new Synchronous(p =>
                    {
                        options.Progress?.Report(p);
                        if (p.Completed is { } m)
                        {
                            bar?.Description($"epoch {m.Epoch}/{p.Epochs}  loss {m.TrainLoss:F4}  val_loss {m.ValLoss:F4}  val_acc {m.ValAcc:F4}");
                            bar?.StopTask();
                            return;
                        }

                        if (bar is null || barEpoch != p.Epoch)
                        {
                            bar = context.AddTask($"epoch {p.Epoch}/{p.Epochs}", maxValue: p.Batches);
                            barEpoch = p.Epoch;
                            firstExamples = p.Examples;
                            clock.Restart();
                            bar.Value = p.Batch;
                            return;
                        }

                        double seconds = clock.Elapsed.TotalSeconds;
                        double rate = seconds > 0 ? (p.Examples - firstExamples) / seconds : 0;
                        bar.Description($"epoch {p.Epoch}/{p.Epochs}  loss {p.TrainLoss:F4}  {rate,6:F0} img/s");
                        bar.Value = p.Batch;
                    }),
                });
            });
        return result;
    }

    private sealed class Synchronous(Action<FineTuneProgress> report) : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress value) => report(value);
    }
}
