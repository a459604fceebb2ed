using Transfer.Rules.Reports;

namespace Transfer.Rules.Tests.Reports;

/// <summary>
/// One very long or hostile name cannot widen every row of a table: cells are escaped and capped with a
/// middle ellipsis in the table and Markdown reports, and JSON keeps the name whole.
/// </summary>
public sealed class WideNameTests
{
    private static readonly string Long = new string('x', 100_000) + ".weight";
    private static readonly string Short = new string('x', 47) + "…" + new string('x', 41) + ".weight";

    private static TransferPlan Plan()
    {
        TensorSpec[] specs = [.. Enumerable.Range(0, 1000).Select(i => F32($"layer{i}.weight", 2)), F32(Long, 2), F32("evil\nname\u001b[31m", 2)];
        return TransferPlanner.Plan(specs, specs, RuleSet.Default, "a.pt", "b.pt");
    }

    [Fact]
    public void The_table_caps_a_long_name_and_escapes_control_characters()
    {
        string table = PlanTableReport.Render(Plan());
        string[] lines = table.Split('\n');
        Assert.Contains($"loaded  {Short}  {Short}  name", lines);
        Assert.Contains($"loaded  {"evil\\nname\\x1b[31m".PadRight(96)}  {"evil\\nname\\x1b[31m".PadRight(96)}  name", lines);
        Assert.Equal($"loaded  {"layer0.weight".PadRight(96)}  {"layer0.weight".PadRight(96)}  name", lines[5]);
        Assert.All(lines, line => Assert.True(line.Length <= 8 + 98 + 98 + 6 + 8 + 6 + 8, line)); // STATUS, 2 capped names, RULE, REASON, INIT, DETAIL
        Assert.DoesNotContain(table, c => char.IsControl(c) && c != '\n');
    }

    [Fact]
    public void The_markdown_report_caps_and_escapes_the_same_way()
    {
        string md = PlanMarkdownReport.Render(Plan());
        Assert.Contains($"| `{Short}` | `{Short}` | loaded |  |  | name |", md, StringComparison.Ordinal);
        Assert.Contains("| `evil\\nname\\x1b[31m` |", md, StringComparison.Ordinal);
        Assert.All(md.Split('\n'), line => Assert.True(line.Length < 300, line));
    }

    [Fact]
    public void Json_keeps_the_whole_name()
    {
        string json = PlanJsonReport.Render(Plan());
        Assert.Contains($"\"target\": \"{Long}\"", json, StringComparison.Ordinal);
    }
}
