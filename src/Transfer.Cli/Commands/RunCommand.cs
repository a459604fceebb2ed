using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;

namespace Transfer.Cli.Commands;

/// <summary>
/// <c>transfer run &lt;config.yaml&gt;</c>: transfer, report, fine-tune and checkpoint as the YAML says. The
/// work is <see cref="FineTuneRun"/>'s; this verb parses options, sets up logging and progress, and prints.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        Argument<string> config = new("config") { Description = "The run's YAML config (see configs/README.md)." };
        Option<string?> outDir = new("--out") { Description = "Output folder (default: runs/<config name>)." };
        Option<string[]> set = new("--set")
        {
            Description = "Override a config key by its dotted path, e.g. --set finetune.epochs=3 (repeatable).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        Option<bool> resume = new("--resume") { Description = "Continue from the last complete checkpoint in --out." };
        Option<bool> force = new("--force") { Description = "With --resume: continue even though the config differs from --out's config.yaml." };
        Option<int?> threads = new("--threads")
        {
            Description = "torch intra-op threads for the run (same as --set finetune.threads=N; default 1).",
        };
        Option<bool> quiet = new("--quiet") { Description = "Only warnings and errors; no progress bars." };
        Option<string> logFormat = new("--log-format")
        {
            Description = "simple (one line per event) or json (one JSON object per line).",
            DefaultValueFactory = _ => "simple",
        };
        logFormat.AcceptOnlyFromAmong("simple", "json");

        Command command = new("run", "Transfer weights, fine-tune and checkpoint as a YAML config says.")
        {
            config, outDir, set, resume, force, quiet, logFormat, threads,
        };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            string[] sets = parse.GetValue(set) ?? [];
            int? n = parse.GetValue(threads);
            string[] overrides = [.. sets, .. n is { } t ? [$"finetune.threads={t.ToString(CultureInfo.InvariantCulture)}"] : Array.Empty<string>()];
            string configPath = parse.GetValue(config)!;
            string output = parse.GetValue(outDir) ?? Path.Combine("runs", Path.GetFileNameWithoutExtension(configPath));
            using RunStopSignals signals = RunStopSignals.Listen();
            try
            {
                if (parse.GetValue(force) && !parse.GetValue(resume))
                {
                    Console.Error.WriteLine("error: --force applies only with --resume");
                    return CommandErrors.BadInput;
                }

                return Execute(
                    configPath, output, overrides, parse.GetValue(resume), parse.GetValue(force), parse.GetValue(quiet),
                    parse.GetValue(logFormat) == "json", signals.Token);
            }
            catch (TrainingInterruptedException)
            {
                Console.Error.WriteLine(
                    $"{signals.Name ?? "cancelled"}: stopped after a batch and saved a checkpoint; resume with: {ResumeCommand(configPath, output, sets, n)}");
                return signals.ExitCode;
            }
        }));
        return command;
    }

    /// <summary>The command line that continues this run, each argument quoted for a POSIX shell when needed.</summary>
    internal static string ResumeCommand(string configPath, string output, IReadOnlyList<string> sets, int? threads)
    {
        List<string> args = ["transfer", "run", configPath, "--out", output];
        foreach (string s in sets)
        {
            args.Add("--set");
            args.Add(s);
        }

        if (threads is { } t)
        {
            args.Add("--threads");
            args.Add(t.ToString(CultureInfo.InvariantCulture));
        }

        args.Add("--resume");
        return string.Join(' ', args.Select(ShellQuote));
    }

    private static string ShellQuote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static int Execute(
        string configPath, string output, string[] overrides, bool resume, bool force, bool quiet, bool json, CancellationToken stop)
    {
        RunConfig config = RunConfigReader.Load(configPath, overrides);
        using ILoggerFactory logging = LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(quiet ? LogLevel.Warning : LogLevel.Information);
            if (json)
            {
                builder.AddJsonConsole(o => o.IncludeScopes = false);
            }
            else
            {
                builder.AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss ";
                });
            }
        });
        ILogger log = logging.CreateLogger("transfer.run");
        bool bars = !quiet && !json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        FineTuneOptions options = new() { OutDir = output, Resume = resume, Force = force, Logger = log, Cancellation = stop };
        FineTuneRunResult result = bars
            ? WithProgressBars(options, o => FineTuneRun.Execute(config, o))
            : FineTuneRun.Execute(config, options);
        log.LogInformation(
            "Done: {Epochs} epochs, best val_acc {Best:F4} (epoch {BestEpoch}); outputs in {Out}",
            result.Training.History.Count,
            result.Training.History.Count == 0 ? 0 : result.Training.History.Max(m => m.ValAcc),
            result.Training.BestEpoch,
            Path.GetFullPath(output));
        return CommandErrors.Ok;
    }

    /// <summary>Runs with one Spectre progress bar per epoch, fed by the run's synchronous progress reports.</summary>
    private static FineTuneRunResult WithProgressBars(FineTuneOptions options, Func<FineTuneOptions, FineTuneRunResult> run)
    {
        FineTuneRunResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                ProgressTask? bar = null;
                int barEpoch = 0;
                result = run(options with
                {
                    Progress = new Synchronous(p =>
                    {
                        if (p.Completed is { } m)
                        {
                            bar?.Description($"epoch {m.Epoch}/{p.Epochs} val_acc {m.ValAcc:F4}");
                            bar?.StopTask();
                            return;
                        }

                        if (bar is null || barEpoch != p.Epoch)
                        {
                            bar = context.AddTask($"epoch {p.Epoch}/{p.Epochs}", maxValue: p.Batches);
                            barEpoch = p.Epoch;
                        }

                        bar.Value = p.Batch;
                    }),
                });
            });
        return result!;
    }

    private sealed class Synchronous(Action<FineTuneProgress> report) : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress value) => report(value);
    }
}
