using System.Text.Json;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;

namespace Transfer.Rules.Reports;

/// <summary>
/// Compares a new plan with a reviewed one saved as a JSON report (as <see cref="PlanJsonReport"/> writes it),
/// entry by entry, so CI fails when a new checkpoint or a model change alters what loads:
/// <code>
/// PlanComparisonResult result = PlanComparison.Compare(plan, File.ReadAllText("plan.expected.json"));
/// Assert.True(result.AreEqual, result.ToString());
/// </code>
/// Entries are matched by target key (unused sources by source key); their status, source, reason, rule, cast
/// and both shapes are compared. Labels, counts and problems follow from the entries and are not compared.
/// </summary>
public static class PlanComparison
{
    private static readonly string[] Fields = ["status", "source", "reason", "rule", "cast", "sourceShape", "targetShape"];

    /// <summary>Compares <paramref name="plan"/> with the saved report text.</summary>
    /// <param name="plan">The new plan.</param>
    /// <param name="savedJson">The saved JSON report.</param>
    /// <param name="savedName">A label for the saved report in error messages, usually its path.</param>
    /// <exception cref="RuleConfigException">The saved text is not a plan report.</exception>
    public static PlanComparisonResult Compare(TransferPlan plan, string savedJson, string savedName = "the saved report")
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(savedJson);
        ArgumentNullException.ThrowIfNull(savedName);
        List<(string Key, Dictionary<string, string> Fields)> expected = Read(savedJson, savedName);
        List<(string Key, Dictionary<string, string> Fields)> actual = Read(PlanJsonReport.Render(plan), "the plan");
        Dictionary<string, Dictionary<string, string>> saved = new(StringComparer.Ordinal);
        foreach ((string key, Dictionary<string, string> fields) in expected)
        {
            if (!saved.TryAdd(key, fields))
            {
                throw new RuleConfigException($"{savedName}: not a plan report: entry '{key}' appears twice.");
            }
        }

        List<PlanDifference> differences = [];
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach ((string key, Dictionary<string, string> now) in actual)
        {
            seen.Add(key);
            if (!saved.TryGetValue(key, out Dictionary<string, string>? before))
            {
                differences.Add(new PlanDifference(key, $"new entry ({Fate(now)})"));
                continue;
            }

            List<string> changes = [];
            foreach (string field in Fields)
            {
                string was = before.GetValueOrDefault(field, "-");
                string @is = now.GetValueOrDefault(field, "-");
                if (was != @is)
                {
                    changes.Add($"{Words(field)} {was} -> {@is}");
                }
            }

            if (changes.Count > 0)
            {
                differences.Add(new PlanDifference(key, string.Join(", ", changes)));
            }
        }

        foreach ((string key, Dictionary<string, string> before) in expected)
        {
            if (!seen.Contains(key))
            {
                differences.Add(new PlanDifference(key, $"gone (was {Fate(before)})"));
            }
        }

        return new PlanComparisonResult(differences);
    }

    private static string Fate(Dictionary<string, string> entry)
    {
        string fate = entry.GetValueOrDefault("status", "?");
        if (entry.TryGetValue("reason", out string? reason))
        {
            fate += ", " + reason;
        }

        if (entry.TryGetValue("source", out string? source) && entry.ContainsKey("target"))
        {
            fate += $" from '{source}'";
        }

        return fate;
    }

    private static string Words(string field) => field switch
    {
        "sourceShape" => "source shape",
        "targetShape" => "target shape",
        _ => field,
    };

    /// <summary>The entries of a report, each keyed and with its compared fields as text.</summary>
    private static List<(string Key, Dictionary<string, string> Fields)> Read(string json, string name)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("entries", out JsonElement entries)
                || entries.ValueKind != JsonValueKind.Array)
            {
                throw new RuleConfigException($"{name}: not a plan report: expected an object with an 'entries' list, as 'transfer plan --format json' writes.");
            }

            List<(string, Dictionary<string, string>)> read = new(entries.GetArrayLength());
            foreach (JsonElement entry in entries.EnumerateArray())
            {
                read.Add(ReadEntry(entry, name));
            }

            return read;
        }
        catch (JsonException e)
        {
            throw new RuleConfigException($"{name}: not a plan report: not valid JSON ({e.Message.Split('\n')[0].Trim()})", e);
        }
    }

    private static (string, Dictionary<string, string>) ReadEntry(JsonElement entry, string name)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new RuleConfigException($"{name}: not a plan report: an entry is not an object.");
        }

        Dictionary<string, string> fields = new(StringComparer.Ordinal);
        foreach (JsonProperty property in entry.EnumerateObject())
        {
            fields[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.Array => "[" + string.Join(", ", property.Value.EnumerateArray().Select(v => v.GetRawText())) + "]",
                _ => property.Value.GetRawText(),
            };
        }

        if (fields.TryGetValue("target", out string? target))
        {
            return (target, fields);
        }

        if (fields.TryGetValue("source", out string? source))
        {
            return ("unused " + source, fields);
        }

        throw new RuleConfigException($"{name}: not a plan report: an entry has neither a target nor a source.");
    }
}
