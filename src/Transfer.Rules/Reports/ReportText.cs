using System.Globalization;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;

namespace Transfer.Rules.Reports;

/// <summary>Words and numbers every report prints the same way.</summary>
internal static class ReportText
{
    /// <summary>
    /// The widest a table cell is printed. Longer names keep their start and end around a middle ellipsis
    /// (JSON keeps them whole), so one hostile name cannot pad every row of a table to its length.
    /// </summary>
    public const int CellLimit = 96;

    /// <summary>Text from a checkpoint or plan as one table cell: control characters escaped, at most <see cref="CellLimit"/> characters.</summary>
    public static string Cell(string? text) =>
        text is null ? string.Empty : MessageText.Shorten(MessageText.Escape(MessageText.Shorten(text, CellLimit * 8)), CellLimit);

    /// <summary>A whole line of text (a title, a problem): control characters escaped, length bounded.</summary>
    public static string Line(string text) => MessageText.OneLine(text);

    public static string Status(EntryStatus status) => status switch
    {
        EntryStatus.Loaded => "loaded",
        EntryStatus.Partial => "partial",
        EntryStatus.Skipped => "skipped",
        EntryStatus.Missing => "missing",
        _ => "unused",
    };

    public static string Counts(PlanSummary s) =>
        $"loaded {s.Loaded}, partial {s.Partial}, skipped {s.Skipped}, missing {s.Missing}, unused {s.Unused}";

    public static string Elements(PlanSummary s) => string.Format(
        CultureInfo.InvariantCulture,
        "{0:N0} of {1:N0} target elements load ({2})",
        s.LoadedElements,
        s.TargetElements,
        Coverage.Percent(s.LoadedElements, s.TargetElements));

    /// <summary>The seed line reports print when some entry draws random values, e.g. <c>init seed 1</c>; else null.</summary>
    public static string? Seed(TransferPlan plan) =>
        plan.Entries.Any(e => e.Init is { IsRandom: true })
            ? "init seed " + plan.Seed.ToString(CultureInfo.InvariantCulture)
            : null;

    public static string Shape(IReadOnlyList<long>? shape) => shape is null ? string.Empty : TensorSpec.FormatShape(shape);

    /// <summary>What a reader needs beyond status and reason: the shape policy and both shapes, a cast, the candidates.</summary>
    public static string Detail(PlanEntry e)
    {
        List<string> parts = [];
        if (e.SourceShape is not null && e.TargetShape is not null && !e.SourceShape.SequenceEqual(e.TargetShape))
        {
            string policy = e.Policy is ShapePolicy p ? RuleText.Name(p) + " " : string.Empty;
            parts.Add($"{policy}{Shape(e.SourceShape)} -> {Shape(e.TargetShape)}");
        }

        if (e.Cast || e.Reason == "dtype_mismatch")
        {
            parts.Add($"{e.SourceDtype} -> {e.TargetDtype}");
        }

        if (e.Candidates is { Count: > 0 })
        {
            parts.Add("candidates: " + string.Join(", ", e.Candidates));
        }

        return string.Join("; ", parts);
    }
}
