using Transfer.Rules;
using Transfer.Rules.Planning;

namespace LeNet5to6;

/// <summary>Writes a transfer plan as a plain aligned table with a summary line.</summary>
internal static class PlanTable
{
    public static void Write(TransferPlan plan, TextWriter output)
    {
        string[] header = ["target", "status", "source", "source shape", "target shape", "reason"];
        List<string[]> rows = plan.Entries.Select(e => new[]
        {
            e.Target ?? "-",
            e.Status.ToString().ToLowerInvariant(),
            e.Source ?? "-",
            e.SourceShape is null ? "-" : TensorSpec.FormatShape(e.SourceShape),
            e.TargetShape is null ? "-" : TensorSpec.FormatShape(e.TargetShape),
            e.Reason ?? string.Empty,
        }).ToList();
        int[] widths = Enumerable.Range(0, header.Length).Select(c => rows.Append(header).Max(r => r[c].Length)).ToArray();
        output.WriteLine($"plan {plan.SourceName} -> {plan.TargetName}");
        WriteRow(header, widths, output);
        WriteRow(widths.Select(w => new string('-', w)).ToArray(), widths, output);
        foreach (string[] row in rows)
        {
            WriteRow(row, widths, output);
        }

        PlanSummary s = plan.Summary;
        output.WriteLine(
            $"{s.Loaded} loaded, {s.Partial} partial, {s.Skipped} skipped, {s.Missing} missing, {s.Unused} unused; " +
            $"{s.LoadedElements} of {s.TargetElements} target values loaded");
    }

    private static void WriteRow(string[] cells, int[] widths, TextWriter output) =>
        output.WriteLine(string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
}
