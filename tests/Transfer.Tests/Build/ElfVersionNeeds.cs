using System.Buffers.Binary;
using System.Text;

namespace Transfer.Tests.Build;

/// <summary>
/// Reads, independently of the build's patch, where an ELF64 file asks for one symbol version: the vernaux
/// entry (its flags and version index), and which dynamic symbols and relocations use that index. Lets the
/// tests check the patched library and make altered copies of it.
/// </summary>
internal sealed class ElfVersionNeeds
{
    private const uint ShtRela = 4;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;

    private readonly byte[] _elf;
    private readonly (uint Type, long Offset, long Size, int Link)[] _sections;

    public ElfVersionNeeds(byte[] elf)
    {
        Assert.True(elf.Length > 64 && elf[0] == 0x7f && elf[1] == 'E' && elf[4] == 2 && elf[5] == 1, "not an ELF64 little-endian file");
        _elf = elf;
        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3C));
        _sections = Enumerable.Range(0, count).Select(i =>
        {
            ReadOnlySpan<byte> header = elf.AsSpan((int)shoff + (i * 64), 64);
            return (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]),
                (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]),
                (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]));
        }).ToArray();
    }

    /// <summary>The file offset of the vernaux entry named <paramref name="version"/>, its flags and index; null when absent.</summary>
    public (int AuxOffset, int Flags, int Index)? Need(string version)
    {
        var verneed = _sections.Single(s => s.Type == ShtGnuVerneed);
        int entry = (int)verneed.Offset;
        while (true)
        {
            int aux = entry + (int)U32(entry + 8);
            for (int a = 0; a < U16(entry + 2); a++)
            {
                if (Name(verneed.Link, U32(aux + 8)) == version)
                {
                    return (aux, U16(aux + 4), U16(aux + 6));
                }

                aux += (int)U32(aux + 12);
            }

            if (U32(entry + 12) == 0)
            {
                return null;
            }

            entry += (int)U32(entry + 12);
        }
    }

    /// <summary>Each dynamic symbol's index, name and file offset of its .gnu.version entry.</summary>
    public IEnumerable<(int Index, string Name, int VersymOffset, int Version)> Symbols()
    {
        var versym = _sections.Single(s => s.Type == ShtGnuVersym);
        var dynsym = _sections.Single(s => s.Type == ShtDynsym);
        for (int i = 0; i < dynsym.Size / 24; i++)
        {
            int versymOffset = (int)versym.Offset + (i * 2);
            yield return (i, Name(dynsym.Link, U32((int)dynsym.Offset + (i * 24))), versymOffset, U16(versymOffset) & 0x7fff);
        }
    }

    /// <summary>The file offset of the first RELA entry's r_info.</summary>
    public int FirstRelocationInfoOffset() => (int)_sections.First(s => s.Type == ShtRela && s.Size > 0).Offset + 8;

    private string Name(int table, uint index)
    {
        int start = (int)_sections[table].Offset + (int)index;
        return Encoding.ASCII.GetString(_elf, start, Array.IndexOf(_elf, (byte)0, start) - start);
    }

    private int U16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(_elf.AsSpan(offset));

    private uint U32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_elf.AsSpan(offset));
}
