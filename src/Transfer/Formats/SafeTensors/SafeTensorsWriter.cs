using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Transfer.Formats.SafeTensors;

/// <summary>
/// Writes the Hugging Face safetensors layout: little-endian header length, a compact JSON header
/// (<c>__metadata__</c> first, then tensors in the given order) padded with spaces to a multiple of 8, then
/// the tensors' bytes back to back.
/// </summary>
internal static class SafeTensorsWriter
{
    public static void Write(Stream output, IReadOnlyList<WritableTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
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
        byte[] prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(length + padding));
        output.Write(prefix);
        json.Position = 0;
        json.CopyTo(output);
        output.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        foreach (WritableTensor tensor in tensors)
        {
            tensor.WriteBytes(output);
        }
    }
}
