using System.Globalization;
using Transfer.Rules.Planning;

namespace Transfer.Rules.Reports;

/// <summary>Words and numbers every report prints the same way.</summary>
internal static class ReportText
{
    public static string Status(EntryStatus status) => status switch
    {
        EntryStatus.Loaded => "loaded",
        EntryStatus.Partial => "partial",
        EntryStatus.Skipped => "skipped",
        EntryStatus.Missing => "missing",
        _ => "unused",
    };

    public static string? Reason(EntryReason? reason) => reason switch
    {
        null => null,
        EntryReason.NoSource => "no_source",
        EntryReason.ShapeMismatch => "shape_mismatch",
        EntryReason.DTypeMismatch => "dtype_mismatch",
        EntryReason.Excluded => "excluded",
        EntryReason.Ambiguous => "ambiguous",
        _ => "conflict",
    };

    public static string Counts(PlanSummary s) =>
        $"loaded {s.Loaded}, partial {s.Partial}, skipped {s.Skipped}, missing {s.Missing}, unused {s.Unused}";

    public static string Elements(PlanSummary s) => string.Format(
        CultureInfo.InvariantCulture,
        "{0:N0} of {1:N0} target elements load ({2})",
        s.LoadedElements,
        s.TargetElements,
        Coverage.Percent(s.LoadedElements, s.TargetElements));

    public static string Shape(IReadOnlyList<long>? shape) => shape is null ? string.Empty : TensorSpec.FormatShape(shape);

    /// <summary>What a reader needs beyond status and reason: both shapes, a cast, the candidates.</summary>
    public static string Detail(PlanEntry e)
    {
        List<string> parts = [];
        if (e.SourceShape is not null && e.TargetShape is not null && !e.SourceShape.SequenceEqual(e.TargetShape))
        {
            parts.Add($"{Shape(e.SourceShape)} -> {Shape(e.TargetShape)}");
        }

        if (e.Cast || e.Reason == EntryReason.DTypeMismatch)
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
