using System.CommandLine;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;
using Transfer.Rules.Reports;
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
        Option<string[]> targetOptions = TransferOptions.TargetOptions();
        Option<string?> rules = TransferOptions.Rules();
        Option<string?> key = TransferOptions.Key();
        Option<long?> seed = TransferOptions.Seed();
        Option<bool> allowExpansion = ExpansionOption.Create();
        Option<string> format = new("--format")
        {
            Description = "Report format: table, json or md.",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json", "md");
        Option<string?> check = new("--check")
        {
            Description = "A saved JSON plan report: print how the new plan differs from it, entry by entry, and exit 1 when it does.",
        };

        Command command = new("plan", "Plan a transfer and print the report (exit 1 when the plan breaks its rules).")
        {
            source, target, targetOptions, rules, key, format, seed, check, allowExpansion,
        };
        command.SetAction(parse => CommandErrors.Run(() => Run(
            parse.GetValue(source)!, parse.GetValue(target)!, parse.GetValue(rules), parse.GetValue(key),
            parse.GetValue(format)!, Console.Out, Console.Error, parse.GetValue(seed), parse.GetValue(check), parse.GetValue(allowExpansion),
            parse.GetValue(targetOptions) ?? [])));
        return command;
    }

    internal static int Run(string sourcePath, string targetName, string? rulesPath, string? key, string format,
        TextWriter stdout, TextWriter stderr, long? seed = null, string? checkPath = null, bool allowExpansion = false,
        IReadOnlyList<string>? targetOptions = null)
    {
        RuleSet rules = RuleFiles.Load(rulesPath);
        if (seed is long overridden)
        {
            rules = rules.WithSeed(overridden);
        }

        string? expected = checkPath is null ? null : File.ReadAllText(checkPath);
        using StateDictSide source = StateDictSide.OpenFile(sourcePath, key, allowExpansion);
        using StateDictSide target = ModelReference.OpenTarget(targetName, targetOptions ?? []);
        TransferPlan plan = WeightTransfer.Plan(source, target, rules);
        if (expected is not null)
        {
            return Check(plan, expected, checkPath!, stdout);
        }

        stdout.Write(ReportFormats.Render(plan, format));
        if (!plan.IsValid)
        {
            plan.EnsureValid();
        }

        return CommandErrors.Ok;
    }

    /// <summary>Prints how the plan differs from the saved report; a difference fails like a broken rule (exit 1).</summary>
    private static int Check(TransferPlan plan, string expected, string checkPath, TextWriter stdout)
    {
        PlanComparisonResult result = PlanComparison.Compare(plan, expected, checkPath);
        if (!result.AreEqual)
        {
            stdout.Write(result.ToString());
            string entries = result.Differences.Count == 1 ? "1 entry" : $"{result.Differences.Count} entries";
            throw new TransferPlanException(
                $"The plan from {plan.SourceName} to {plan.TargetName} differs from {checkPath} in {entries}, listed above.", plan);
        }

        stdout.Write($"The plan matches {checkPath} ({plan.Entries.Count} entries).\n");
        plan.EnsureValid();
        return CommandErrors.Ok;
    }
}
