using Google.Protobuf;

namespace Transfer.Logging;

/// <summary>
/// Reads back how far TensorBoard event files got: the largest step recorded for a tag. The files are TFRecord
/// streams (8-byte little-endian length, 4-byte CRC of it, the <c>Event</c> protobuf, 4-byte CRC of it); reading
/// stops at the first record that is cut short or does not parse, as TensorBoard does, so a file a killed process
/// left half-written counts up to its last whole record. CRCs are not checked: the step only decides what to
/// write again, never what to trust.
/// </summary>
internal static class EventFileSteps
{
    /// <summary>The largest step with a scalar of <paramref name="tag"/> in the folder's event files, 0 when none.</summary>
    public static int LastStep(string folder, string tag)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        long last = 0;
        foreach (string file in Directory.EnumerateFiles(folder, "events.out.tfevents.*"))
        {
            last = Math.Max(last, LastStepIn(file, tag));
        }

        return (int)Math.Min(last, int.MaxValue);
    }

    private static long LastStepIn(string file, string tag)
    {
        long last = 0;
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
                if (StepOf(record, tag) is long step)
                {
                    last = Math.Max(last, step);
                }
            }
            catch (InvalidProtocolBufferException)
            {
                break;
            }
        }

        return last;
    }

    /// <summary>The event's step when its summary holds a value tagged <paramref name="tag"/> (Event: step = 2, summary = 5; Summary.Value: tag = 1).</summary>
    private static long? StepOf(byte[] record, string tag)
    {
        CodedInputStream input = new(record);
        long step = 0;
        bool tagged = false;
        uint field;
        while ((field = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(field))
            {
                case 2 when WireFormat.GetTagWireType(field) == WireFormat.WireType.Varint:
                    step = input.ReadInt64();
                    break;
                case 5 when WireFormat.GetTagWireType(field) == WireFormat.WireType.LengthDelimited:
                    tagged |= SummaryHasTag(input.ReadBytes(), tag);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return tagged ? step : null;
    }

    private static bool SummaryHasTag(ByteString summary, string tag)
    {
        CodedInputStream input = summary.CreateCodedInput();
        uint field;
        while ((field = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(field) == 1 && WireFormat.GetTagWireType(field) == WireFormat.WireType.LengthDelimited)
            {
                if (ValueHasTag(input.ReadBytes(), tag))
                {
                    return true;
                }
            }
            else
            {
                input.SkipLastField();
            }
        }

        return false;
    }

    private static bool ValueHasTag(ByteString value, string tag)
    {
        CodedInputStream input = value.CreateCodedInput();
        uint field;
        while ((field = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(field) == 1 && WireFormat.GetTagWireType(field) == WireFormat.WireType.LengthDelimited)
            {
                return input.ReadString() == tag;
            }

            input.SkipLastField();
        }

        return false;
    }
}
