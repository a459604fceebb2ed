using LeNet5to6;
using Microsoft.Extensions.Logging;
using Transfer.Rules.Errors;

ExampleOptions options;
try
{
    options = ExampleOptions.Parse(args) with { ProgressBars = EpochProgress.ConsoleIsInteractive };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

// Logs go to stderr so stdout stays the report, ending with the final accuracy line.
using ILoggerFactory logging = LoggerFactory.Create(builder => builder
    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
    .AddSimpleConsole(o => o.SingleLine = true)
    .SetMinimumLevel(LogLevel.Information));
ILogger logger = logging.CreateLogger("LeNet5to6");
try
{
    LeNet5to6Example.Run(options, Console.Out, logger);
    return 0;
}
catch (TransferException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
