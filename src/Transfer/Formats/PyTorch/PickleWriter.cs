using System.Buffers.Binary;
using System.Text;

namespace Transfer.Formats.PyTorch;

/// <summary>
/// Writes <c>data.pkl</c> for a state dict using only what PyTorch's weights-only unpickler accepts:
/// an OrderedDict of <c>_rebuild_tensor_v2</c> calls on typed storages, one storage per tensor.
/// </summary>
internal static class PickleWriter
{
    public static byte[] StateDict(IReadOnlyList<WritableTensor> tensors)
    {
        using MemoryStream stream = new();
        Emitter e = new(stream);
        e.Op(0x80, 2);
        e.Global("collections", "OrderedDict");
        e.Op((byte)')', (byte)'R');
        for (int i = 0; i < tensors.Count; i++)
        {
            WritableTensor t = tensors[i];
            e.String(t.Name);
            e.Global("torch._utils", "_rebuild_tensor_v2");
            e.Op((byte)'(');
            e.Op((byte)'(');
            e.String("storage");
            e.Global("torch", t.DType.StorageType);
            e.String(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            e.String("cpu");
            e.Int(t.ElementCount);
            e.Op((byte)'t', (byte)'Q');
            e.Int(0);
            e.Tuple(t.Shape);
            e.Tuple(ContiguousStrides(t.Shape));
            e.Op(0x89);
            e.Global("collections", "OrderedDict");
            e.Op((byte)')', (byte)'R', (byte)'t', (byte)'R', (byte)'s');
        }

        e.Op((byte)'.');
        return stream.ToArray();
    }

    private static long[] ContiguousStrides(long[] shape)
    {
        long[] strides = new long[shape.Length];
        long stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= Math.Max(shape[d], 1);
        }

        return strides;
    }

    /// <summary>Opcode output with globals memoised, so each is spelled once.</summary>
    private sealed class Emitter(Stream stream)
    {
        private readonly Dictionary<string, uint> memo = [];

        public void Op(params byte[] bytes) => stream.Write(bytes);

        public void Global(string module, string name)
        {
            string key = module + "\n" + name + "\n";
            if (memo.TryGetValue(key, out uint slot))
            {
                Op((byte)'j');
                U32(slot);
                return;
            }

            Op((byte)'c');
            stream.Write(Encoding.ASCII.GetBytes(key));
            slot = (uint)memo.Count;
            memo[key] = slot;
            Op((byte)'r');
            U32(slot);
        }

        public void String(string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            Op((byte)'X');
            U32((uint)bytes.Length);
            stream.Write(bytes);
        }

        public void Int(long value)
        {
            if (value is >= 0 and < 256)
            {
                Op((byte)'K', (byte)value);
            }
            else if (value is >= 0 and < 65536)
            {
                Op((byte)'M', (byte)value, (byte)(value >> 8));
            }
            else if (value is >= int.MinValue and <= int.MaxValue)
            {
                Op((byte)'J');
                Span<byte> b = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(b, (int)value);
                stream.Write(b);
            }
            else
            {
                Op(0x8a, 8);
                Span<byte> b = stackalloc byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(b, value);
                stream.Write(b);
            }
        }

        public void Tuple(long[] items)
        {
            if (items.Length is 0)
            {
                Op((byte)')');
                return;
            }

            if (items.Length > 3)
            {
                Op((byte)'(');
            }

            foreach (long item in items)
            {
                Int(item);
            }

            Op(items.Length switch { 1 => 0x85, 2 => 0x86, 3 => 0x87, _ => (byte)'t' });
        }

        private void U32(uint value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, value);
            stream.Write(b);
        }
    }
}
