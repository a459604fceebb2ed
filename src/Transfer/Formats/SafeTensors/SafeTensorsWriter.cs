using System.Buffers.Binary;
using System.Text.Json;

namespace Transfer.Formats.SafeTensors;

/// <summary>
/// Writes the Hugging Face safetensors layout: little-endian header length, a compact JSON header
/// (<c>__metadata__</c> first, then tensors in the given order) padded with spaces to a multiple of 8, then
/// the tensors' bytes back to back.
/// </summary>
internal static class SafeTensorsWriter
{
    /// <summary>The whole header: its 8-byte length, then the JSON padded with spaces to a multiple of 8.</summary>
    public static byte[] Header(IReadOnlyList<WritableTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using MemoryStream json = new();
        using (Utf8JsonWriter writer = new(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (WritableTensor tensor in tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType.SafeTensorsCode);
                writer.WriteStartArray("shape");
                foreach (long size in tensor.Shape)
                {
                    writer.WriteNumberValue(size);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.ByteCount);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.ByteCount;
            }

            writer.WriteEndObject();
        }

        long length = json.Length;
        int padding = (int)((8 - (length % 8)) % 8);
        byte[] header = new byte[8 + length + padding];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)(length + padding));
        json.Position = 0;
        json.ReadExactly(header, 8, (int)length);
        header.AsSpan(8 + (int)length).Fill((byte)' ');
        return header;
    }

    /// <summary>Writes <paramref name="header"/> (from <see cref="Header"/>) and then the tensors' bytes.</summary>
    public static void Write(Stream output, byte[] header, IReadOnlyList<WritableTensor> tensors)
    {
        output.Write(header);
        foreach (WritableTensor tensor in tensors)
        {
            tensor.WriteBytes(output);
        }
    }
}
