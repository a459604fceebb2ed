using System.Text;
using Transfer.Rules.Planning;

namespace Transfer.Rules.Reports;

/// <summary>
/// The plan as a Markdown document for pull requests and experiment notes: a heading, the counts and element
/// coverage, the problems if any, then one table row per entry in plan order.
/// </summary>
public static class PlanMarkdownReport
{
    /// <summary>Renders the plan as Markdown with <c>\n</c> newlines.</summary>
    public static string Render(TransferPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        StringBuilder md = new();
        md.Append("# Transfer plan: `").Append(ReportText.Line(plan.SourceName)).Append("` -> `").Append(ReportText.Line(plan.TargetName)).Append("`\n\n");
        md.Append(ReportText.Counts(plan.Summary)).Append(".\n");
        md.Append(ReportText.Elements(plan.Summary)).Append(".\n");
        if (ReportText.Seed(plan) is { } seed)
        {
            md.Append(char.ToUpperInvariant(seed[0])).Append(seed[1..]).Append(".\n");
        }

        md.Append('\n');
        if (plan.Problems.Count > 0)
        {
            md.Append("**Problems:**\n\n");
            foreach (PlanProblem problem in plan.Problems)
            {
                md.Append("- ").Append(ReportText.Line(problem.Message).Replace("|", "\\|", StringComparison.Ordinal)).Append('\n');
            }

            md.Append('\n');
        }

        md.Append("| Target | Source | Status | Reason | Init | Rule | Source shape | Target shape | Dtype | Detail |\n");
        md.Append("|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (PlanEntry e in plan.Entries)
        {
            md.Append("| ").Append(Code(e.Target))
                .Append(" | ").Append(Code(e.Source))
                .Append(" | ").Append(ReportText.Status(e.Status))
                .Append(" | ").Append(Cell(e.Reason))
                .Append(" | ").Append(Cell(e.Init?.ToString()))
                .Append(" | ").Append(Cell(e.Rule))
                .Append(" | ").Append(ReportText.Shape(e.SourceShape))
                .Append(" | ").Append(ReportText.Shape(e.TargetShape))
                .Append(" | ").Append(Cell(e.TargetDtype ?? e.SourceDtype))
                .Append(" | ").Append(Cell(ReportText.Detail(e)))
                .Append(" |\n");
        }

        return md.ToString();
    }

    private static string Code(string? key) => key is null ? string.Empty : "`" + Cell(key) + "`";

    /// <summary>A table cell: escaped, at most <see cref="ReportText.CellLimit"/> wide (JSON has every name whole), pipes escaped.</summary>
    private static string Cell(string? text) => ReportText.Cell(text).Replace("|", "\\|", StringComparison.Ordinal);
}
