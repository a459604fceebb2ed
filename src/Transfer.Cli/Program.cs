using System.CommandLine;
using Transfer.Cli.Commands;

RootCommand root = new("transfer: partial weight loading for TorchSharp: inspect, plan, apply, convert, run.");
foreach (Command command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // Bad usage: one line per problem and exit 2, like every other bad input.
    foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
    {
        Console.Error.WriteLine($"error: {error.Message}");
    }

    return CommandErrors.BadInput;
}

return parsed.Invoke();
