using Transfer.Rules.Planning;
using Transfer.Rules.Reports;

namespace Transfer.Cli.Commands;

/// <summary>Picks the plan renderer for a <c>--format</c> value.</summary>
internal static class ReportFormats
{
    public static string Render(TransferPlan plan, string format) => format switch
    {
        "json" => PlanJsonReport.Render(plan),
        "md" => PlanMarkdownReport.Render(plan),
        _ => PlanTableReport.Render(plan),
    };
}
