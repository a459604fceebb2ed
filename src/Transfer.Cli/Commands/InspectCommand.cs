using System.CommandLine;
using System.Text.Json;
using Transfer.Formats;
using Transfer.Rules;
using Transfer.Rules.Reports;

namespace Transfer.Cli.Commands;

/// <summary>
/// <c>transfer inspect &lt;file&gt; [--format table|json] [--hash] [--key K]</c>: lists a checkpoint's tensors
/// (name, dtype, shape, and with <c>--hash</c> the SHA-256 of each tensor's bytes), after what holds them (a
/// state dict, a whole-model pickle, a TorchScript module) and the classes a pickle named. Without <c>--hash</c> only
/// headers are read, so it is instant on multi-GB files. The table shows names escaped and at most
/// <see cref="ReportText.CellLimit"/> wide (middle ellipsis); JSON shows them whole.
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        Argument<string> file = new("file") { Description = "The checkpoint: PyTorch .pt/.pth/.bin, .safetensors or TorchSharp .dat, or a shard index (*.safetensors.index.json, *.bin.index.json) or its folder." };
        Option<string> format = new("--format") { Description = "Output as an aligned table or as JSON.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        Option<bool> hash = new("--hash") { Description = "Also print the SHA-256 of each tensor's contiguous little-endian bytes (reads all data)." };
        Option<string?> key = new("--key") { Description = "The entry of a PyTorch checkpoint dict or NumPy pickle that holds the state dict." };
        Option<bool> allowExpansion = ExpansionOption.Create();
        Command command = new("inspect", "List the tensors of a checkpoint file.") { file, format, hash, key, allowExpansion };
        command.SetAction(result => CommandErrors.Run(() =>
            Run(result.GetValue(file)!, result.GetValue(format) ?? "table", result.GetValue(hash), result.GetValue(key), Console.Out,
                result.GetValue(allowExpansion))));
        return command;
    }

    /// <summary>Prints the listing; exceptions go to <see cref="CommandErrors.Run"/>.</summary>
    internal static int Run(string file, string format, bool hash, string? key, TextWriter output, bool allowExpansion = false)
    {
        using Checkpoint checkpoint = CheckpointReader.Open(file, key, allowExpansion);
        string[]? hashes = hash ? [.. checkpoint.Tensors.Select(t => t.Sha256())] : null;
        output.Write(format == "json" ? Json(checkpoint, hashes) : Table(checkpoint, hashes));
        return CommandErrors.Ok;
    }

    internal static string Json(Checkpoint checkpoint, string[]? hashes)
    {
        using MemoryStream stream = new();
        using (Utf8JsonWriter json = new(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("file", checkpoint.Path);
            json.WriteString("format", checkpoint.Format);
            json.WriteString("container", checkpoint.Container);
            json.WriteStartArray("classes");
            foreach (string name in checkpoint.Classes)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();

            if (checkpoint.Shards.Count > 0)
            {
                json.WriteStartArray("shards");
                checkpoint.Shards.ToList().ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }

            if (checkpoint.StateDictKey is not null)
            {
                json.WriteString("stateDictKey", checkpoint.StateDictKey);
            }

            if (checkpoint.Metadata.Count > 0)
            {
                json.WriteStartObject("metadata");
                foreach (var (name, value) in checkpoint.Metadata)
                {
                    json.WriteString(name, value);
                }

                json.WriteEndObject();
            }

            json.WriteStartArray("tensors");
            for (int i = 0; i < checkpoint.Specs.Count; i++)
            {
                TensorSpec spec = checkpoint.Specs[i];
                json.WriteStartObject();
                json.WriteString("name", spec.Name);
                json.WriteString("dtype", spec.DType);
                json.WriteStartArray("shape");
                foreach (long size in spec.Shape)
                {
                    json.WriteNumberValue(size);
                }

                json.WriteEndArray();
                if (hashes is not null)
                {
                    json.WriteString("sha256", hashes[i]);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + Environment.NewLine;
    }

    internal static string Table(Checkpoint checkpoint, string[]? hashes)
    {
        List<string[]> rows = [hashes is null ? ["name", "dtype", "shape"] : ["name", "dtype", "shape", "sha256"]];
        for (int i = 0; i < checkpoint.Specs.Count; i++)
        {
            TensorSpec spec = checkpoint.Specs[i];
            string[] row = [ReportText.Cell(spec.Name), spec.DType, TensorSpec.FormatShape(spec.Shape)];
            rows.Add(hashes is null ? row : [.. row, hashes[i]]);
        }

        int[] widths = [.. Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length))];
        System.Text.StringBuilder text = new();
        text.AppendLine(ReportText.Line($"file: {checkpoint.Path}"));
        text.AppendLine(ReportText.Line($"format: {checkpoint.Format} ({checkpoint.Container})"));
        if (checkpoint.Classes.Count > 0)
        {
            text.AppendLine(ReportText.Line($"classes: {string.Join(", ", checkpoint.Classes)}"));
        }

        if (checkpoint.Shards.Count > 0)
        {
            text.AppendLine(ReportText.Line($"shards: {checkpoint.Shards.Count} ({string.Join(", ", checkpoint.Shards)})"));
        }

        if (checkpoint.StateDictKey is not null)
        {
            text.AppendLine(ReportText.Line($"state dict: {checkpoint.StateDictKey}"));
        }

        foreach (var (name, value) in checkpoint.Metadata)
        {
            text.AppendLine($"metadata: {ReportText.Cell(name)} = {ReportText.Cell(value)}");
        }

        text.AppendLine();
        foreach (string[] row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }

        long elements = checkpoint.Specs.Sum(s => s.ElementCount);
        text.AppendLine();
        text.AppendLine($"{checkpoint.Specs.Count} tensors, {elements} elements");
        return text.ToString();
    }
}
