using Google.Protobuf;

namespace Transfer.Logging;

/// <summary>
/// Reads back which scalars TensorBoard event files already hold: the (step, tag) of every scalar value. The files
/// are TFRecord streams (8-byte little-endian length, 4-byte CRC of it, the <c>Event</c> protobuf, 4-byte CRC of
/// it); reading stops at the first record that is cut short or does not parse, as TensorBoard does, so a file a
/// killed process left half-written counts up to its last whole record. CRCs are not checked: what is read only
/// decides what to write again, never what to trust.
/// </summary>
internal static class WrittenScalars
{
    /// <summary>The (step, tag) of every scalar in the folder's event files; empty when there are none.</summary>
    public static HashSet<(long Step, string Tag)> In(string folder)
    {
        HashSet<(long, string)> written = [];
        if (!Directory.Exists(folder))
        {
            return written;
        }

        foreach (string file in Directory.EnumerateFiles(folder, "events.out.tfevents.*"))
        {
            AddFrom(file, written);
        }

        return written;
    }

    private static void AddFrom(string file, HashSet<(long, string)> written)
    {
        using FileStream stream = File.OpenRead(file);
        using BinaryReader reader = new(stream);
        while (stream.Length - stream.Position >= 12)
        {
            ulong length = reader.ReadUInt64();
            reader.ReadUInt32();
            if (length > (ulong)(stream.Length - stream.Position - 4))
            {
                break;
            }

            byte[] record = reader.ReadBytes((int)length);
            reader.ReadUInt32();
            try
            {
                (long step, List<string> tags) = Scalars(record);
                foreach (string tag in tags)
                {
                    written.Add((step, tag));
                }
            }
            catch (InvalidProtocolBufferException)
            {
                break;
            }
        }
    }

    /// <summary>The event's step and the tags of its summary's values (Event: step = 2, summary = 5; Summary.Value: tag = 1).</summary>
    private static (long Step, List<string> Tags) Scalars(byte[] record)
    {
        CodedInputStream input = new(record);
        long step = 0;
        List<string> tags = [];
        uint field;
        while ((field = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(field))
            {
                case 2 when WireFormat.GetTagWireType(field) == WireFormat.WireType.Varint:
                    step = input.ReadInt64();
                    break;
                case 5 when WireFormat.GetTagWireType(field) == WireFormat.WireType.LengthDelimited:
                    AddTags(input.ReadBytes(), tags);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (step, tags);
    }

    private static void AddTags(ByteString summary, List<string> tags)
    {
        CodedInputStream input = summary.CreateCodedInput();
        uint field;
        while ((field = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(field) != 1 || WireFormat.GetTagWireType(field) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
            }
            else if (TagOf(input.ReadBytes()) is { } tag)
            {
                tags.Add(tag);
            }
        }
    }

    private static string? TagOf(ByteString value)
    {
        CodedInputStream input = value.CreateCodedInput();
        uint field;
        while ((field = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(field) == 1 && WireFormat.GetTagWireType(field) == WireFormat.WireType.LengthDelimited)
            {
                return input.ReadString();
            }

            input.SkipLastField();
        }

        return null;
    }
}
