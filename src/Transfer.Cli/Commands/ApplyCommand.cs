using System.CommandLine;
using Transfer.Applying;
using Transfer.Formats;
using Transfer.Rules;
using Transfer.Rules.Planning;
using Transfer.Rules.Reports;
using Transfer.Rules.Yaml;
using Transfer.Transfers;

namespace Transfer.Cli.Commands;

/// <summary><c>transfer apply</c>: writes the target's state dict with the planned source values loaded.</summary>
internal static class ApplyCommand
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
        Option<string?> maxShardSize = ShardSizeOption.Create();
        Option<string> output = new("--out")
        {
            Description = "The file to write (.safetensors, .pt/.pth/.bin or .dat), or a shard index (.safetensors.index.json, .bin.index.json) with its shards beside it; written atomically.",
            Required = true,
        };

        Command command = new("apply", "Apply a transfer and write the merged weights (nothing is written if the plan fails).")
        {
            source, target, targetOptions, rules, key, output, seed, allowExpansion, maxShardSize,
        };
        command.SetAction(parse => CommandErrors.Run(() => Run(
            parse.GetValue(source)!, parse.GetValue(target)!, parse.GetValue(rules), parse.GetValue(key),
            parse.GetValue(output)!, Console.Out, parse.GetValue(seed), parse.GetValue(allowExpansion), parse.GetValue(maxShardSize),
            parse.GetValue(targetOptions) ?? [])));
        return command;
    }

    internal static int Run(string sourcePath, string targetName, string? rulesPath, string? key, string outPath, TextWriter stdout,
        long? seed = null, bool allowExpansion = false, string? maxShardSize = null, IReadOnlyList<string>? targetOptions = null)
    {
        CheckpointWriter.FormatOf(outPath);
        long shardLimit = ShardSizeOption.Resolve(maxShardSize, outPath);
        RuleSet rules = RuleFiles.Load(rulesPath);
        if (seed is long overridden)
        {
            rules = rules.WithSeed(overridden);
        }

        using StateDictSide source = StateDictSide.OpenFile(sourcePath, key, allowExpansion);
        // A model target is initialised from the plan's seed, so the values its kept tensors write are the seed's alone.
        using StateDictSide target = ModelReference.OpenTarget(targetName, targetOptions ?? [], rules.Seed ?? 0);
        TransferPlan plan = WeightTransfer.Plan(source, target, rules);
        stdout.Write(PlanTableReport.Render(plan));
        ApplyReport report = WeightTransfer.ApplyToFile(plan, source, target, outPath, shardLimit);
        stdout.WriteLine(
            $"wrote {outPath}: {target.Specs.Count} tensors; {report.Loaded} loaded, {report.Partial} partial, {report.Cast} cast, {report.CopiedElements:N0} elements from the source" +
            (report.Initialized > 0 ? $"; {report.Initialized} initialized (seed {plan.Seed})" : string.Empty));
        return CommandErrors.Ok;
    }
}
