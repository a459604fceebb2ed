using System.CommandLine;

namespace Transfer.Cli.Commands;

/// <summary>The verbs of the <c>transfer</c> command, in the order help lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return InspectCommand.Create();
        yield return PlanCommand.Create();
        yield return ApplyCommand.Create();
        yield return ConvertCommand.Create();
        yield return RunCommand.Create();
        yield return ExportCommand.Create();
        yield return EvaluateCommand.Create();
        yield return PredictCommand.Create();
    }
}
