using System.CommandLine;
using System.CommandLine.Help;
using Transfer.Cli;
using Transfer.Cli.Commands;
using Transfer.Rules.Errors;

// A plain Command named "transfer" (a RootCommand takes the executable's name, Transfer.Cli), with the
// help and version options a RootCommand would add.
Command root = new("transfer", "transfer: partial weight loading for TorchSharp: inspect, plan, apply, convert, run, export, evaluate, predict.")
{
    new HelpOption(),
    new VersionOption(),
};
foreach (Command command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

if (args.Length == 0)
{
    // No verb: show what there is, but exit 2 so scripts notice nothing ran.
    root.Parse(["--help"]).Invoke();
    return CommandErrors.BadInput;
}

if (VerbUsage.Unknown(args[0], root) is { } unknown)
{
    Console.Error.WriteLine(unknown);
    return CommandErrors.BadInput;
}

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // Bad usage: one line on stderr and exit 2, like every other bad input.
    Console.Error.WriteLine(MessageText.OneLine(UsageError.OneLine(parsed.Errors.Select(e => e.Message))));
    return CommandErrors.BadInput;
}

return CommandErrors.Run(() => parsed.Invoke());
