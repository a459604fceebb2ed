using System.CommandLine;
using Transfer.Cli.Commands;

RootCommand root = new("transfer: partial weight loading for TorchSharp: inspect, plan, apply, convert, run.");
foreach (Command command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return root.Parse(args).Invoke();
