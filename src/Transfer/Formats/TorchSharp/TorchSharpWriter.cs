using System.Text;

namespace Transfer.Formats.TorchSharp;

/// <summary>Writes TorchSharp's <c>Module.save</c> layout, which <c>Module.load</c> reads back.</summary>
internal static class TorchSharpWriter
{
    public static void Write(Stream output, IReadOnlyList<WritableTensor> tensors)
    {
        using BinaryWriter writer = new(output, Encoding.UTF8, leaveOpen: true);
        Varint(writer, tensors.Count);
        foreach (WritableTensor tensor in tensors)
        {
            writer.Write(tensor.Name);
            Varint(writer, (long)tensor.DType.ScalarType);
            Varint(writer, tensor.Shape.Length);
            foreach (long size in tensor.Shape)
            {
                Varint(writer, size);
            }

            writer.Flush();
            tensor.WriteBytes(output);
        }
    }

    private static void Varint(BinaryWriter writer, long value)
    {
        ulong v = (ulong)value;
        while (v >= 0x80)
        {
            writer.Write((byte)(v | 0x80));
            v >>= 7;
        }

        writer.Write((byte)v);
    }
}
