using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Transfer.Rules.Planning;

namespace Transfer.Rules.Reports;

/// <summary>
/// The plan as JSON, the machine-readable contract: <c>source</c>, <c>target</c>, <c>summary</c> (loaded,
/// partial, skipped, missing, unused, loadedElements, targetElements), <c>entries</c> (target, source,
/// status, reason, rule, policy, candidates, cast, init, sourceShape, targetShape, sourceDtype, targetDtype; absent
/// fields omitted, statuses lowercase), and <c>problems</c> (messages) only when the plan has any. A plan
/// with random init policies also carries its <c>seed</c>. Two-space
/// indentation, <c>\n</c> newlines, shapes on one line, a final newline: byte-for-byte deterministic.
/// </summary>
public static class PlanJsonReport
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Renders the plan as UTF-8 JSON text.</summary>
    public static string Render(TransferPlan plan) => Encoding.UTF8.GetString(RenderUtf8(plan));

    /// <summary>Renders the plan as UTF-8 JSON bytes, ready to write to a file.</summary>
    public static byte[] RenderUtf8(TransferPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using MemoryStream buffer = new();
        using (Utf8JsonWriter json = new(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("source", plan.SourceName);
            json.WriteString("target", plan.TargetName);
            if (ReportText.Seed(plan) is not null)
            {
                json.WriteNumber("seed", plan.Seed);
            }

            WriteSummary(json, plan.Summary);
            json.WriteStartArray("entries");
            foreach (PlanEntry entry in plan.Entries)
            {
                WriteEntry(json, entry);
            }

            json.WriteEndArray();
            if (plan.Problems.Count > 0)
            {
                json.WriteStartArray("problems");
                foreach (PlanProblem problem in plan.Problems)
                {
                    json.WriteStringValue(problem.Message);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteSummary(Utf8JsonWriter json, PlanSummary s)
    {
        json.WriteStartObject("summary");
        json.WriteNumber("loaded", s.Loaded);
        json.WriteNumber("partial", s.Partial);
        json.WriteNumber("skipped", s.Skipped);
        json.WriteNumber("missing", s.Missing);
        json.WriteNumber("unused", s.Unused);
        json.WriteNumber("loadedElements", s.LoadedElements);
        json.WriteNumber("targetElements", s.TargetElements);
        json.WriteEndObject();
    }

    private static void WriteEntry(Utf8JsonWriter json, PlanEntry e)
    {
        json.WriteStartObject();
        WriteIf(json, "target", e.Target);
        WriteIf(json, "source", e.Source);
        json.WriteString("status", ReportText.Status(e.Status));
        WriteIf(json, "reason", e.Reason);
        WriteIf(json, "rule", e.Rule);
        WriteIf(json, "policy", e.Policy is ShapePolicy policy ? RuleText.Name(policy) : null);
        if (e.Candidates is not null)
        {
            json.WriteStartArray("candidates");
            foreach (string candidate in e.Candidates)
            {
                json.WriteStringValue(candidate);
            }

            json.WriteEndArray();
        }

        if (e.Cast)
        {
            json.WriteBoolean("cast", true);
        }

        WriteIf(json, "init", e.Init?.ToString());
        WriteShape(json, "sourceShape", e.SourceShape);
        WriteShape(json, "targetShape", e.TargetShape);
        WriteIf(json, "sourceDtype", e.SourceDtype);
        WriteIf(json, "targetDtype", e.TargetDtype);
        json.WriteEndObject();
    }

    private static void WriteIf(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    /// <summary>Shapes stay on one line (<c>[6,1,5,5]</c>) so a reader scans entries, not digits.</summary>
    private static void WriteShape(Utf8JsonWriter json, string name, IReadOnlyList<long>? shape)
    {
        if (shape is not null)
        {
            json.WritePropertyName(name);
            json.WriteRawValue("[" + string.Join(',', shape) + "]", skipInputValidation: true);
        }
    }
}
