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
        Option<bool> printConfig = new("--print-config")
        {
            Description = "Print the fully resolved config (defaults filled in, --set applied) as YAML that 'transfer run' accepts, and exit without running or writing anything.",
        };

        Command command = new("run", "Transfer weights, fine-tune and checkpoint as a YAML config says.")
        {
            config, outDir, set, resume, force, quiet, logFormat, threads, printConfig,
        };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            string[] sets = parse.GetValue(set) ?? [];
            int? n = parse.GetValue(threads);
            string[] overrides = [.. sets, .. n is { } t ? [$"finetune.threads={t.ToString(CultureInfo.InvariantCulture)}"] : Array.Empty<string>()];
            string configPath = parse.GetValue(config)!;
            if (parse.GetValue(printConfig))
            {
                Console.Out.Write(PrintConfig(configPath, overrides));
                return CommandErrors.Ok;
            }

            string output = parse.GetValue(outDir) ?? Path.Combine("runs", Path.GetFileNameWithoutExtension(configPath));
            using RunStopSignals signals = RunStopSignals.Listen();
            try
            {
                if (parse.GetValue(force) && !parse.GetValue(resume))
                {
                    Console.Error.WriteLine("error: --force applies only with --resume");
                    return CommandErrors.BadInput;
                }

                int code = Execute(
                    configPath, output, overrides, parse.GetValue(resume), parse.GetValue(force), parse.GetValue(quiet),
                    parse.GetValue(logFormat) == "json", signals.Token);
                if (signals.Name is { } late)
                {
                    // Training had ended (the stop is checked before each batch), so the run wrote all its outputs.
                    Console.Error.WriteLine($"{late}: arrived when no training batch was left to stop before, so the run finished; its outputs are complete");
                }

                return code;
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

    /// <summary>
    /// <c>--print-config</c>: the config as the run would use it (read and validated as <c>transfer run</c> reads
    /// it, defaults filled in, <c>--set</c> applied, paths absolute; a user assembly's model type and constructor
    /// arguments checked without running its code), in the YAML the run writes to its <c>config.yaml</c>; nothing
    /// is run or written.
    /// </summary>
    internal static string PrintConfig(string configPath, IReadOnlyList<string> overrides)
    {
        RunConfig config = RunConfigReader.Load(configPath, overrides);
        RunValidator.ThrowIfAny([.. RunValidator.TargetAssembly(config)]);
        return ResolvedConfig.Yaml(config);
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
        IAnsiConsole? bars = null;
        if (!quiet && !json && !Console.IsErrorRedirected)
        {
            IAnsiConsole stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            bars = stderr.Profile.Capabilities.Interactive ? stderr : null;
        }

        FineTuneRunResult result;
        using (ILoggerFactory logging = ConsoleLog.Create(quiet ? LogLevel.Warning : LogLevel.Information, json, bars))
        {
            FineTuneOptions options = new()
            {
                OutDir = output,
                Resume = resume,
                Force = force,
                Logger = logging.CreateLogger("transfer.run"),
                Cancellation = stop,
                Progress = RunTestHold.FromEnvironment(stop),
            };
            result = bars is null
                ? FineTuneRun.Execute(config, options)
                : RunProgressBars.Run(bars, options, o => FineTuneRun.Execute(config, o));
        }

        // Results go to stdout, after every log line has been flushed to stderr.
        Console.Out.WriteLine(RunSummary.BestLine(result.Training, config.FineTune.Checkpoint.KeepBest));
        if (RunSummary.TestLine(result.Test) is { } test)
        {
            Console.Out.WriteLine(test);
        }

        Console.Out.WriteLine($"outputs: {Path.GetFullPath(output)}");
        return CommandErrors.Ok;
    }
}
