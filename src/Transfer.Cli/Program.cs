using System.CommandLine;
using Transfer.Cli;
using Transfer.Cli.Commands;

RootCommand root = new("transfer: partial weight loading for TorchSharp: inspect, plan, apply, convert, run.");
foreach (Command command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // Bad usage: one line on stderr and exit 2, like every other bad input.
    Console.Error.WriteLine(UsageError.OneLine(parsed.Errors.Select(e => e.Message)));
    return CommandErrors.BadInput;
}

return parsed.Invoke();
