using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Transfer.IO;

namespace Transfer.Formats.PyTorch;

/// <summary>
/// Writes a <c>torch.save</c>-compatible zip: stored members under <c>archive/</c> (<c>data.pkl</c>,
/// <c>byteorder</c>, one <c>data/&lt;i&gt;</c> per tensor with its data 64-byte aligned, <c>version</c>),
/// ZIP64 records where sizes or offsets need them. Tensor bytes stream through; each member's CRC-32 is
/// patched into its local header afterwards.
/// </summary>
internal static class PyTorchCheckpointWriter
{
    private const string Folder = "archive";
    private const ushort DosDate = 0x21; // 1980-01-01: fixed, so output is deterministic

    public static void Write(Stream output, IReadOnlyList<WritableTensor> tensors)
    {
        if (!output.CanSeek)
        {
            throw new ArgumentException("Writing a .pt file needs a seekable stream.", nameof(output));
        }

        List<Entry> entries = [];
        long start = output.Position;
        byte[] pickle = PickleWriter.StateDict(tensors);
        AddMember(output, start, entries, Folder + "/data.pkl", pickle.Length, s => s.Write(pickle));
        byte[] order = Encoding.ASCII.GetBytes("little");
        AddMember(output, start, entries, Folder + "/byteorder", order.Length, s => s.Write(order));
        for (int i = 0; i < tensors.Count; i++)
        {
            WritableTensor t = tensors[i];
            AddMember(output, start, entries, $"{Folder}/data/{i}", t.ByteCount, t.WriteBytes);
        }

        byte[] version = Encoding.ASCII.GetBytes("3\n");
        AddMember(output, start, entries, Folder + "/version", version.Length, s => s.Write(version));
        WriteDirectory(output, start, entries);
    }

    private sealed record Entry(string Name, long Offset, long Size, uint Crc);

    private static void AddMember(Stream output, long start, List<Entry> entries, string name, long size, Action<Stream> write)
    {
        long offset = output.Position - start;
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        bool zip64 = size >= uint.MaxValue || offset >= uint.MaxValue;
        int zip64Length = zip64 ? 20 : 0;
        long dataStart = offset + 30 + nameBytes.Length + zip64Length + 4;
        int pad = (int)((64 - (dataStart % 64)) % 64);
        byte[] header = new byte[30 + nameBytes.Length + zip64Length + 4 + pad];
        Span<byte> h = header;
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], (ushort)(zip64 ? 45 : 20));
        BinaryPrimitives.WriteUInt16LittleEndian(h[12..], DosDate);
        uint small = zip64 ? uint.MaxValue : (uint)size;
        BinaryPrimitives.WriteUInt32LittleEndian(h[18..], small);
        BinaryPrimitives.WriteUInt32LittleEndian(h[22..], small);
        BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)(zip64Length + 4 + pad));
        nameBytes.CopyTo(h[30..]);
        int at = 30 + nameBytes.Length;
        if (zip64)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h[at..], 1);
            BinaryPrimitives.WriteUInt16LittleEndian(h[(at + 2)..], 16);
            BinaryPrimitives.WriteInt64LittleEndian(h[(at + 4)..], size);
            BinaryPrimitives.WriteInt64LittleEndian(h[(at + 12)..], size);
            at += 20;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(h[at..], 0x4246); // "FB": PyTorch's own alignment padding field
        BinaryPrimitives.WriteUInt16LittleEndian(h[(at + 2)..], (ushort)pad);
        output.Write(header);

        CrcStream crc = new(output);
        write(crc);
        if (crc.Count != size)
        {
            throw new InvalidOperationException($"Member '{name}' wrote {crc.Count} bytes, expected {size}.");
        }

        long end = output.Position;
        output.Position = start + offset + 14;
        Span<byte> c = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(c, crc.Crc);
        output.Write(c);
        output.Position = end;
        entries.Add(new Entry(name, offset, size, crc.Crc));
    }

    private static void WriteDirectory(Stream output, long start, List<Entry> entries)
    {
        long directoryOffset = output.Position - start;
        using MemoryStream directory = new();
        foreach (Entry e in entries)
        {
            byte[] name = Encoding.UTF8.GetBytes(e.Name);
            bool bigSize = e.Size >= uint.MaxValue;
            bool bigOffset = e.Offset >= uint.MaxValue;
            int extra = bigSize || bigOffset ? 4 + (bigSize ? 16 : 0) + (bigOffset ? 8 : 0) : 0;
            byte[] record = new byte[46 + name.Length + extra];
            Span<byte> r = record;
            BinaryPrimitives.WriteUInt32LittleEndian(r, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(r[4..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(r[6..], (ushort)(extra > 0 ? 45 : 20));
            BinaryPrimitives.WriteUInt16LittleEndian(r[14..], DosDate);
            BinaryPrimitives.WriteUInt32LittleEndian(r[16..], e.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(r[20..], bigSize ? uint.MaxValue : (uint)e.Size);
            BinaryPrimitives.WriteUInt32LittleEndian(r[24..], bigSize ? uint.MaxValue : (uint)e.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(r[28..], (ushort)name.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(r[30..], (ushort)extra);
            BinaryPrimitives.WriteUInt32LittleEndian(r[42..], bigOffset ? uint.MaxValue : (uint)e.Offset);
            name.CopyTo(r[46..]);
            if (extra > 0)
            {
                int at = 46 + name.Length;
                BinaryPrimitives.WriteUInt16LittleEndian(r[at..], 1);
                BinaryPrimitives.WriteUInt16LittleEndian(r[(at + 2)..], (ushort)(extra - 4));
                at += 4;
                if (bigSize)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(r[at..], e.Size);
                    BinaryPrimitives.WriteInt64LittleEndian(r[(at + 8)..], e.Size);
                    at += 16;
                }

                if (bigOffset)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(r[at..], e.Offset);
                }
            }

            directory.Write(record);
        }

        long directorySize = directory.Length;
        directory.Position = 0;
        directory.CopyTo(output);
        bool zip64 = entries.Count >= ushort.MaxValue || directoryOffset >= uint.MaxValue || directorySize >= uint.MaxValue;
        if (zip64)
        {
            long recordOffset = output.Position - start;
            byte[] z = new byte[56 + 20];
            Span<byte> s = z;
            BinaryPrimitives.WriteUInt32LittleEndian(s, 0x06064b50);
            BinaryPrimitives.WriteInt64LittleEndian(s[4..], 44);
            BinaryPrimitives.WriteUInt16LittleEndian(s[12..], 45);
            BinaryPrimitives.WriteUInt16LittleEndian(s[14..], 45);
            BinaryPrimitives.WriteInt64LittleEndian(s[24..], entries.Count);
            BinaryPrimitives.WriteInt64LittleEndian(s[32..], entries.Count);
            BinaryPrimitives.WriteInt64LittleEndian(s[40..], directorySize);
            BinaryPrimitives.WriteInt64LittleEndian(s[48..], directoryOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(s[56..], 0x07064b50);
            BinaryPrimitives.WriteInt64LittleEndian(s[64..], recordOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(s[72..], 1);
            output.Write(z);
        }

        byte[] end = new byte[22];
        Span<byte> d = end;
        BinaryPrimitives.WriteUInt32LittleEndian(d, 0x06054b50);
        ushort count = zip64 ? ushort.MaxValue : (ushort)entries.Count;
        BinaryPrimitives.WriteUInt16LittleEndian(d[8..], count);
        BinaryPrimitives.WriteUInt16LittleEndian(d[10..], count);
        BinaryPrimitives.WriteUInt32LittleEndian(d[12..], zip64 ? uint.MaxValue : (uint)directorySize);
        BinaryPrimitives.WriteUInt32LittleEndian(d[16..], zip64 ? uint.MaxValue : (uint)directoryOffset);
        output.Write(end);
    }

    /// <summary>
    /// Passes writes through while counting them and computing their CRC-32. A member that is a whole
    /// storage member of another checkpoint, with that member's CRC, is copied inside the kernel when the
    /// output allows it, and takes the recorded CRC, which the source checked against the bytes first.
    /// </summary>
    private sealed class CrcStream(Stream inner) : Stream, IFileRangeSink
    {
        private readonly Crc32 crc = new();
        private uint? known;

        public long Count { get; private set; }

        public uint Crc => known ?? crc.GetCurrentHashAsUInt32();

        public bool TryCopyFrom(SafeFileHandle source, long offset, long length, uint? recorded)
        {
            if (recorded is null || Count != 0 || inner is not IFileRangeSink sink || !sink.TryCopyFrom(source, offset, length, recorded))
            {
                return false;
            }

            known = recorded;
            Count = length;
            return true;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Count; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (known is not null)
            {
                throw new InvalidOperationException("A member copied whole from another file cannot take more bytes.");
            }

            crc.Append(buffer);
            Count += buffer.Length;
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
