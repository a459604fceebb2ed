using System.Text;
using Transfer.Rules.Planning;

namespace Transfer.Rules.Reports;

/// <summary>
/// The plan as a plain-text console table, counts and element coverage on top. Like fvcore's checkpoint
/// messages, consecutive parameters of one module that fared alike share a row (<c>conv.0.{weight, bias}</c>),
/// so a hundred-layer model fits a screen while every mismatch keeps its own row with both shapes. Cells are
/// escaped and at most <see cref="ReportText.CellLimit"/> wide, so the table grows with its rows, not with
/// its longest name.
/// </summary>
public static class PlanTableReport
{
    private static readonly string[] Header = ["STATUS", "TARGET", "SOURCE", "RULE", "REASON", "INIT", "DETAIL"];

    /// <summary>Renders the plan as aligned ASCII columns with <c>\n</c> newlines.</summary>
    public static string Render(TransferPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        StringBuilder text = new();
        text.Append(ReportText.Line($"Transfer plan: {plan.SourceName} -> {plan.TargetName}")).Append('\n');
        text.Append(ReportText.Counts(plan.Summary)).Append('\n');
        text.Append(ReportText.Elements(plan.Summary)).Append('\n');
        if (ReportText.Seed(plan) is { } seed)
        {
            text.Append(seed).Append('\n');
        }

        if (plan.Problems.Count > 0)
        {
            text.Append("problems:\n");
            foreach (PlanProblem problem in plan.Problems)
            {
                text.Append("  - ").Append(ReportText.Line(problem.Message)).Append('\n');
            }
        }

        text.Append('\n');
        List<string[]> rows = [Header, .. Group(plan.Entries).Select(Row)];
        int[] widths = new int[Header.Length];
        foreach (string[] row in rows)
        {
            for (int c = 0; c < row.Length; c++)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        foreach (string[] row in rows)
        {
            StringBuilder line = new();
            for (int c = 0; c < row.Length; c++)
            {
                line.Append(row[c].PadRight(widths[c])).Append("  ");
            }

            text.Append(line.ToString().TrimEnd()).Append('\n');
        }

        return text.ToString();
    }

    private static string[] Row(List<PlanEntry> group)
    {
        PlanEntry first = group[0];
        return
        [
            ReportText.Status(first.Status),
            ReportText.Cell(Names(group.Select(e => e.Target).ToList())),
            ReportText.Cell(Names(group.Select(e => e.Source).ToList())),
            ReportText.Cell(first.Rule),
            ReportText.Cell(first.Reason),
            ReportText.Cell(first.Init?.ToString()),
            ReportText.Cell(ReportText.Detail(first)),
        ];
    }

    /// <summary>Runs of entries in plan order that can share one row.</summary>
    private static IEnumerable<List<PlanEntry>> Group(IReadOnlyList<PlanEntry> entries)
    {
        List<PlanEntry> run = [];
        foreach (PlanEntry entry in entries)
        {
            if (run.Count > 0 && !Joins(run[0], entry))
            {
                yield return run;
                run = [];
            }

            run.Add(entry);
        }

        if (run.Count > 0)
        {
            yield return run;
        }
    }

    private static bool Joins(PlanEntry head, PlanEntry next) =>
        Groupable(head) && Groupable(next)
        && head.Status == next.Status && head.Reason == next.Reason && head.Rule == next.Rule && head.Init == next.Init
        && Module(head.Target) == Module(next.Target) && Module(head.Source) == Module(next.Source)
        && (head.Target ?? head.Source) is string a && a.Contains('.', StringComparison.Ordinal)
        && (next.Target ?? next.Source) is not null;

    /// <summary>Entries whose row needs per-key detail (shapes, casts, candidates) stand alone.</summary>
    private static bool Groupable(PlanEntry e) =>
        ReportText.Detail(e).Length == 0
        && (e.Source is null || e.Target is null || Leaf(e.Source) == Leaf(e.Target));

    private static string? Module(string? key)
    {
        if (key is null)
        {
            return null;
        }

        int dot = key.LastIndexOf('.');
        return dot < 0 ? string.Empty : key[..dot];
    }

    private static string Leaf(string key) => key[(key.LastIndexOf('.') + 1)..];

    private static string Names(List<string?> keys)
    {
        if (keys[0] is not string first)
        {
            return string.Empty;
        }

        if (keys.Count == 1)
        {
            return first;
        }

        return Module(first) + ".{" + string.Join(", ", keys.Select(k => Leaf(k!))) + "}";
    }
}
