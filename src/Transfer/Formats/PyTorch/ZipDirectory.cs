using System.Buffers.Binary;

namespace Transfer.Formats.PyTorch;

/// <summary>One stored member of a <c>torch.save</c> zip: where its bytes start in the file, how many, and their CRC-32 as the directory records it.</summary>
internal sealed record ZipMember(string Name, long DataOffset, long Size, uint Crc)
{
    /// <summary>
    /// For a deflated member (only a TorchScript archive's <c>code/</c> files may be), the bytes it takes in
    /// the file; <see cref="Size"/> is then what it inflates to. Null for a stored member.
    /// </summary>
    public long? DeflatedSize { get; init; }
}

/// <summary>
/// Reads the central directory of a <c>torch.save</c> archive (ZIP64 aware) and refuses anything PyTorch
/// never writes: compressed or encrypted members (except the deflated <c>code/</c> files of a TorchScript
/// archive), duplicate names, absolute or <c>..</c> paths, members outside one common top folder, sizes or
/// offsets outside the file.
/// </summary>
internal static class ZipDirectory
{
    private const uint EndOfDirectory = 0x06054b50;
    private const uint Zip64Locator = 0x07064b50;
    private const uint Zip64End = 0x06064b50;
    private const uint DirectoryEntry = 0x02014b50;
    private const uint LocalHeader = 0x04034b50;
    /// <summary>The most members an archive may have; the writer stays within it.</summary>
    public const int MaxMembers = 1_000_000;

    /// <summary>Returns the members keyed by their path below the top folder, and the folder's name.</summary>
    public static (Dictionary<string, ZipMember> Members, string Folder) Read(TensorFile file)
    {
        string path = file.Path;
        int tailLength = (int)Math.Min(file.Length, 22 + 65535);
        byte[] tail = file.ReadBytes(file.Length - tailLength, tailLength);
        int eocd = -1;
        for (int i = tail.Length - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndOfDirectory)
            {
                eocd = i;
                break;
            }
        }

        if (eocd < 0)
        {
            throw Bad(path, "zip end-of-central-directory record not found (truncated or not a zip)");
        }

        long eocdOffset = file.Length - tailLength + eocd;
        long count = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(eocd + 10));
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocd + 12));
        long directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocd + 16));
        if (eocdOffset >= 20 && BinaryPrimitives.ReadUInt32LittleEndian(file.ReadBytes(eocdOffset - 20, 4)) == Zip64Locator)
        {
            byte[] locator = file.ReadBytes(eocdOffset - 20, 20);
            long recordOffset = ToLong(path, BinaryPrimitives.ReadUInt64LittleEndian(locator.AsSpan(8)));
            byte[] record = file.ReadBytes(recordOffset, 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64End)
            {
                throw Bad(path, $"zip64 end-of-central-directory record missing at offset {recordOffset}");
            }

            count = ToLong(path, BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)));
            directorySize = ToLong(path, BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(40)));
            directoryOffset = ToLong(path, BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(48)));
        }

        if (count > MaxMembers || directorySize > int.MaxValue || directoryOffset > file.Length - directorySize)
        {
            throw Bad(path, $"zip central directory ({count} members, {directorySize} bytes at offset {directoryOffset}) lies outside the file");
        }

        byte[] directory = file.ReadBytes(directoryOffset, (int)directorySize);
        List<(string Name, long LocalOffset, long Size, uint Crc, long? Deflated)> raw = [];
        int p = 0;
        for (long i = 0; i < count; i++)
        {
            if (p > directory.Length - 46 || BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(p)) != DirectoryEntry)
            {
                throw Bad(path, $"zip central directory entry {i} is malformed");
            }

            ReadOnlySpan<byte> e = directory.AsSpan(p);
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(e[8..]);
            ushort method = BinaryPrimitives.ReadUInt16LittleEndian(e[10..]);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(e[16..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(e[20..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(e[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(e[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(e[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(e[32..]);
            long local = BinaryPrimitives.ReadUInt32LittleEndian(e[42..]);
            if (46 + nameLength + extraLength + commentLength > e.Length)
            {
                throw Bad(path, $"zip central directory entry {i} runs past the directory");
            }

            string name = System.Text.Encoding.UTF8.GetString(e.Slice(46, nameLength));

            ReadZip64Extra(path, name, e.Slice(46 + nameLength, extraLength), ref size, ref compressed, ref local);
            if ((flags & 1) != 0)
            {
                throw Bad(path, $"zip member '{name}' is encrypted");
            }

            // torch.jit.save deflates its code/ files; every tensor byte and every pickle stays stored.
            bool deflatedCode = method == 8 && name.IndexOf('/', StringComparison.Ordinal) is > 0 and int slash
                && name.AsSpan(slash).StartsWith("/code/", StringComparison.Ordinal) && !name.EndsWith(".pkl", StringComparison.Ordinal);
            if (!deflatedCode && (method != 0 || compressed != size))
            {
                throw Bad(path, $"zip member '{name}' is compressed (method {method}); torch.save writes stored members only");
            }

            if (name.StartsWith('/') || name.Contains('\\') || HasDotSegment(name) || name.Contains('\0'))
            {
                throw Bad(path, $"zip member '{name}' has an unsafe path");
            }

            raw.Add((name, local, size, crc, deflatedCode ? compressed : null));
            p += 46 + nameLength + extraLength + commentLength;
        }

        if (raw.Count == 0)
        {
            throw Bad(path, "zip archive has no members");
        }

        string folder = raw[0].Name.Split('/')[0];
        string prefix = folder + "/";
        LocalHeaders headers = new(file);
        Dictionary<string, ZipMember> members = new(StringComparer.Ordinal);
        List<(long Start, long End, string Name)> spans = new(raw.Count);
        foreach (var (name, local, size, crc, deflated) in raw)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw Bad(path, $"zip members do not share one top folder: '{raw[0].Name}' and '{name}'");
            }

            string relative = name[prefix.Length..];
            if (members.ContainsKey(relative))
            {
                throw Bad(path, $"zip member '{name}' appears twice");
            }

            ZipMember member = new(name, DataOffset(file, headers, name, local, deflated ?? size), size, crc) { DeflatedSize = deflated };
            members[relative] = member;
            spans.Add((local, member.DataOffset + (deflated ?? size), name));
        }

        RefuseOverlaps(path, spans, directoryOffset);
        return (members, folder);
    }

    /// <summary>
    /// Each member (local header through data) must own its bytes and lie before the central directory: two
    /// members sharing bytes would let one corrupt range pass for two, under two CRCs.
    /// </summary>
    private static void RefuseOverlaps(string path, List<(long Start, long End, string Name)> spans, long directoryOffset)
    {
        // torch.save lists members in file order, so the sort is usually skipped; the check below is the same.
        if (!InFileOrder(spans))
        {
            spans.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : string.CompareOrdinal(a.Name, b.Name));
        }

        for (int i = 0; i < spans.Count; i++)
        {
            var (start, end, name) = spans[i];
            if (i + 1 < spans.Count && end > spans[i + 1].Start)
            {
                var (nextStart, nextEnd, next) = spans[i + 1];
                throw Bad(path, $"zip members '{name}' (bytes [{start}, {end})) and '{next}' (bytes [{nextStart}, {nextEnd})) overlap");
            }

            if (end > directoryOffset)
            {
                throw Bad(path, $"zip member '{name}' (bytes [{start}, {end})) overlaps the central directory at offset {directoryOffset}");
            }
        }
    }

    private static bool InFileOrder(List<(long Start, long End, string Name)> spans)
    {
        for (int i = 1; i < spans.Count; i++)
        {
            if (spans[i].Start <= spans[i - 1].Start)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when a segment of <paramref name="name"/> between slashes is <c>.</c> or <c>..</c>.</summary>
    private static bool HasDotSegment(string name)
    {
        foreach (Range range in name.AsSpan().Split('/'))
        {
            ReadOnlySpan<char> segment = name.AsSpan(range);
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    private static long DataOffset(TensorFile file, LocalHeaders headers, string name, long local, long size)
    {
        if (local > file.Length - 30)
        {
            throw Bad(file.Path, $"zip member '{name}' has its local header outside the file");
        }

        ReadOnlySpan<byte> header = headers.Read(local);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != LocalHeader)
        {
            throw Bad(file.Path, $"zip member '{name}' has no local header at offset {local}");
        }

        long data = local + 30 + BinaryPrimitives.ReadUInt16LittleEndian(header[26..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        if (size > file.Length - data)
        {
            throw Bad(file.Path, $"zip member '{name}' ({size} bytes at offset {data}) runs past the end of the file");
        }

        return data;
    }

    private static void ReadZip64Extra(string path, string name, ReadOnlySpan<byte> extra, ref long size, ref long compressed, ref long local)
    {
        while (extra.Length >= 4)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (length > extra.Length - 4)
            {
                throw Bad(path, $"zip member '{name}' has a malformed extra field");
            }

            if (id == 1)
            {
                ReadOnlySpan<byte> z = extra.Slice(4, length);
                int at = 0;
                size = Next(size, z, ref at);
                compressed = Next(compressed, z, ref at);
                local = Next(local, z, ref at);
            }

            extra = extra[(4 + length)..];
        }

        long Next(long value, ReadOnlySpan<byte> z, ref int at)
        {
            if (value != 0xFFFFFFFF)
            {
                return value;
            }

            if (at + 8 > z.Length)
            {
                throw Bad(path, $"zip member '{name}' has a truncated zip64 extra field");
            }

            long v = ToLong(path, BinaryPrimitives.ReadUInt64LittleEndian(z[at..]));
            at += 8;
            return v;
        }
    }

    /// <summary>
    /// Reads 30-byte local headers through a 64 KiB window: a state dict of small tensors has a member every
    /// few hundred bytes, so one read serves hundreds of members.
    /// </summary>
    private sealed class LocalHeaders(TensorFile file)
    {
        private readonly byte[] window = new byte[1 << 16];
        private long start = -1;
        private int count;

        public ReadOnlySpan<byte> Read(long offset)
        {
            if (start < 0 || offset < start || offset + 30 > start + count)
            {
                start = offset;
                count = (int)Math.Min(window.Length, file.Length - offset);
                file.ReadExactly(offset, window.AsSpan(0, count));
            }

            return window.AsSpan((int)(offset - start), 30);
        }
    }

    private static long ToLong(string path, ulong value) =>
        value > long.MaxValue ? throw Bad(path, $"zip size or offset {value} is out of range") : (long)value;

    private static CheckpointFormatException Bad(string path, string problem) => new(path, problem);
}
