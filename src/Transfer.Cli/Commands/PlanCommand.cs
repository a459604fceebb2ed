using System.CommandLine;
using Transfer.Rules;
using Transfer.Rules.Planning;
using Transfer.Rules.Yaml;
using Transfer.Transfers;

namespace Transfer.Cli.Commands;

/// <summary><c>transfer plan</c>: shows what a transfer would load, skip and leave new, without touching weights.</summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        Option<string> source = TransferOptions.Source();
        Option<string> target = TransferOptions.Target();
        Option<string?> rules = TransferOptions.Rules();
        Option<string?> key = TransferOptions.Key();
        Option<long?> seed = TransferOptions.Seed();
        Option<string> format = new("--format")
        {
            Description = "Report format: table, json or md.",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json", "md");

        Command command = new("plan", "Plan a transfer and print the report (exit 1 when the plan breaks its rules).")
        {
            source, target, rules, key, format, seed,
        };
        command.SetAction(parse => CommandErrors.Run(() => Run(
            parse.GetValue(source)!, parse.GetValue(target)!, parse.GetValue(rules), parse.GetValue(key),
            parse.GetValue(format)!, Console.Out, Console.Error, parse.GetValue(seed))));
        return command;
    }

    internal static int Run(string sourcePath, string targetName, string? rulesPath, string? key, string format,
        TextWriter stdout, TextWriter stderr, long? seed = null)
    {
        RuleSet rules = RuleFiles.Load(rulesPath);
        if (seed is long overridden)
        {
            rules = rules.WithSeed(overridden);
        }

        using StateDictSide source = StateDictSide.OpenFile(sourcePath, key);
        using StateDictSide target = StateDictSide.Open(targetName);
        TransferPlan plan = WeightTransfer.Plan(source, target, rules);
        stdout.Write(ReportFormats.Render(plan, format));
        if (!plan.IsValid)
        {
            plan.EnsureValid();
        }

        return CommandErrors.Ok;
    }
}
