using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Spectre.Console;

namespace Transfer.Cli.Commands;

/// <summary>
/// Where <c>transfer run</c> logs: always stderr (stdout carries only results). With progress bars, log lines
/// go through the same Spectre console as the bars, which prints them above the live bars instead of through
/// them; otherwise through Microsoft.Extensions.Logging's console formatters, without colour when stderr is
/// redirected.
/// </summary>
internal static class ConsoleLog
{
    public static ILoggerFactory Create(LogLevel minimum, bool json, IAnsiConsole? bars) =>
        LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(minimum);
            if (bars is not null)
            {
                builder.AddProvider(new SpectreLoggerProvider(bars));
                return;
            }

            builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
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
                    o.ColorBehavior = Console.IsErrorRedirected ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
                });
            }
        });

    private sealed class SpectreLoggerProvider(IAnsiConsole console) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new SpectreLogger(console);

        public void Dispose()
        {
        }
    }

    private sealed class SpectreLogger(IAnsiConsole console) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string level = logLevel switch
            {
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                LogLevel.Critical => "crit",
                LogLevel.Debug => "dbug",
                LogLevel.Trace => "trce",
                _ => "info",
            };
            string text = $"{DateTime.Now:HH:mm:ss} {level}: {formatter(state, exception)}";
            console.WriteLine(exception is null ? text : $"{text} ({exception.Message})");
        }
    }
}
