using System.Buffers.Binary;
using System.Text.Json;
using Transfer.Rules;

namespace Transfer.Formats.SafeTensors;

/// <summary>
/// Reads a safetensors file, validating its header to the rules of the reference implementation before any
/// tensor is exposed: bounded header length, UTF-8 JSON object, no duplicate names, known dtypes, offsets
/// that tile the data buffer exactly, byte sizes matching shapes (overflow-checked), string metadata.
/// </summary>
internal static class SafeTensorsReader
{
    /// <summary>The longest header the reference implementation reads, so the longest one the writer writes.</summary>
    public const long MaxHeader = 100_000_000;

    public static Checkpoint Read(TensorFile file)
    {
        string path = file.Path;
        if (file.Length < 8)
        {
            throw new CheckpointFormatException(path, "safetensors file is shorter than its 8-byte header length");
        }

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file.ReadBytes(0, 8));
        if (n > MaxHeader)
        {
            throw new CheckpointFormatException(path, $"safetensors header length {n} exceeds the limit of {MaxHeader} bytes");
        }

        if (8 + (long)n > file.Length)
        {
            throw new CheckpointFormatException(path, $"safetensors header length {n} runs past the end of the file ({file.Length} bytes)");
        }

        byte[] header = file.ReadBytes(8, (int)n);
        long bufferStart = 8 + (long)n;
        long bufferLength = file.Length - bufferStart;
        List<(string Name, DType DType, long[] Shape, long Begin, long End)> entries = [];
        Dictionary<string, string> metadata = new(StringComparer.Ordinal);
        HashSet<string> seen = new(StringComparer.Ordinal);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, "safetensors header is not a JSON object");
            }

            foreach (JsonProperty property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw Bad(path, $"safetensors header names '{property.Name}' twice");
                }

                if (property.Name == "__metadata__")
                {
                    ReadMetadata(path, property.Value, metadata);
                    continue;
                }

                entries.Add(ReadEntry(path, property.Name, property.Value));
            }
        }
        catch (JsonException e)
        {
            throw Bad(path, $"safetensors header is not valid UTF-8 JSON ({FirstSentence(e.Message)})");
        }
        catch (InvalidOperationException e)
        {
            throw Bad(path, $"safetensors header is not valid UTF-8 JSON ({FirstSentence(e.Message)})");
        }

        List<CheckpointTensor> tensors = [];
        long expected = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != expected)
            {
                throw Bad(path, e.Begin < expected
                    ? $"safetensors tensor '{e.Name}' at [{e.Begin}, {e.End}) overlaps the previous tensor, which ends at {expected}"
                    : $"safetensors tensor '{e.Name}' starts at {e.Begin}, leaving a gap after the previous tensor, which ends at {expected}");
            }

            expected = e.End;
        }

        if (expected != bufferLength)
        {
            throw Bad(path, $"safetensors tensors cover {expected} bytes but the data buffer has {bufferLength}");
        }

        foreach (var e in entries)
        {
            TensorSpec spec = new(e.Name, e.DType.Name, e.Shape);
            tensors.Add(new CheckpointTensor(spec, new ContiguousSource(file, bufferStart + e.Begin, e.End - e.Begin)));
        }

        return new Checkpoint(path, "safetensors", null, metadata, tensors, file);
    }

    private static (string, DType, long[], long, long) ReadEntry(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, $"safetensors entry '{name}' is not an object");
        }

        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Bad(path, $"safetensors entry '{name}' has no string dtype");
        }

        string code = dtypeElement.GetString()!;
        DType dtype = DType.FromSafeTensors(code)
            ?? throw Bad(path, $"safetensors entry '{name}' has dtype '{code}', which Transfer does not read");
        if (!value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw Bad(path, $"safetensors entry '{name}' has no shape array");
        }

        List<long> shape = [];
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size) || size < 0)
            {
                throw Bad(path, $"safetensors entry '{name}' has a shape entry that is not a non-negative integer");
            }

            shape.Add(size);
        }

        if (!value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
        {
            throw Bad(path, $"safetensors entry '{name}' needs data_offsets [begin, end] with 0 <= begin <= end");
        }

        long bytes = TensorShape.ByteCount(path, name, dtype, shape);
        if (end - begin != bytes)
        {
            throw Bad(path, $"safetensors entry '{name}' has {end - begin} bytes at [{begin}, {end}) but shape {TensorSpec.FormatShape(shape)} of {dtype.Name} needs {bytes}");
        }

        return (name, dtype, [.. shape], begin, end);
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad(path, "safetensors __metadata__ is not an object of strings");
        }

        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Bad(path, $"safetensors __metadata__ value for '{item.Name}' is not a string");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Bad(path, $"safetensors __metadata__ names '{item.Name}' twice");
            }
        }
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }

    private static CheckpointFormatException Bad(string path, string problem) => new(path, problem);
}
