using System.Buffers.Binary;
using Google.Protobuf;

namespace Transfer.Tests.Logging;

/// <summary>One scalar of a TensorBoard event: its step, tag and value.</summary>
internal readonly record struct EventScalar(long Step, string Tag, float Value);

/// <summary>
/// An independent reader of TensorBoard event files for the tests: TFRecord framing (8-byte little-endian
/// length, masked CRC-32C of those 8 bytes, the record, masked CRC-32C of the record), every CRC checked, and
/// the Event protobuf (wall_time = 1, step = 2, file_version = 3, summary = 5; Summary.value = 1;
/// Value.tag = 1, Value.simple_value = 2) decoded field by field.
/// </summary>
internal static class TfEventFile
{
    public static (string? FileVersion, IReadOnlyList<EventScalar> Scalars) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string? version = null;
        List<EventScalar> scalars = [];
        int at = 0;
        while (at < bytes.Length)
        {
            Assert.True(bytes.Length - at >= 12, $"{path}: a record header is cut short at {at}");
            ReadOnlySpan<byte> header = bytes.AsSpan(at, 8);
            Assert.Equal(Masked(header), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8)));
            int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header));
            ReadOnlySpan<byte> record = bytes.AsSpan(at + 12, length);
            Assert.Equal(Masked(record), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + length)));
            at += 12 + length + 4;

            CodedInputStream input = new(record.ToArray());
            long step = 0;
            List<(string, float)> values = [];
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 2: step = input.ReadInt64(); break;
                    case 3: version = input.ReadString(); break;
                    case 5: values.AddRange(Summary(input.ReadBytes())); break;
                    default: input.SkipLastField(); break;
                }
            }

            scalars.AddRange(values.Select(v => new EventScalar(step, v.Item1, v.Item2)));
        }

        return (version, scalars);
    }

    /// <summary>The offset just past each record of the file (TFRecord framing only).</summary>
    public static IReadOnlyList<long> RecordEnds(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        List<long> ends = [];
        long at = 0;
        while (at < bytes.Length)
        {
            at += 12 + checked((long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan((int)at, 8))) + 4;
            ends.Add(at);
        }

        return ends;
    }

    private static IEnumerable<(string, float)> Summary(ByteString summary)
    {
        CodedInputStream input = summary.CreateCodedInput();
        List<(string, float)> values = [];
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1)
            {
                input.SkipLastField();
                continue;
            }

            CodedInputStream value = input.ReadBytes().CreateCodedInput();
            string name = string.Empty;
            float? scalar = null;
            uint field;
            while ((field = value.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(field))
                {
                    case 1: name = value.ReadString(); break;
                    case 2: scalar = value.ReadFloat(); break;
                    default: value.SkipLastField(); break;
                }
            }

            Assert.True(scalar is not null, $"value '{name}' is not a simple_value");
            values.Add((name, scalar!.Value));
        }

        return values;
    }

    /// <summary>TFRecord's masked CRC-32C (Castagnoli): rotate right by 15 bits, add 0xa282ead8.</summary>
    private static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
            }
        }

        crc ^= 0xFFFFFFFF;
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8);
    }
}
