// MSBuild inline task (RoslynCodeTaskFactory): marks libLibTorchSharp.so's need for GLIBCXX_3.4.32 as
// VER_FLG_WEAK in a build or publish output, after proving that the only symbol behind that version is
// std::ios_base_library_init() and that nothing relocates against it. See LibTorchSharpGlibcxxFix.targets
// for why. Compiled by MSBuild itself, so it needs only the .NET SDK; tests/Transfer.Tests compiles it too.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;

namespace Transfer.Build;

/// <summary>Patches every libLibTorchSharp.so under <see cref="Directory"/> (a build or publish output).</summary>
public class WeakenGlibcxxNeed : Microsoft.Build.Utilities.Task
{
    /// <summary>The output folder to patch; its subfolders (runtimes/&lt;rid&gt;/native) are searched too.</summary>
    [Required]
    public string Directory { get; set; } = "";

    /// <summary>How many files this run changed.</summary>
    [Output]
    public int Patched { get; set; }

    /// <inheritdoc />
    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return true;
        }

        foreach (string library in System.IO.Directory.GetFiles(Directory, GlibcxxNeedPatch.LibraryName, SearchOption.AllDirectories))
        {
            try
            {
                byte[] elf = File.ReadAllBytes(library);
                GlibcxxNeedOutcome outcome = GlibcxxNeedPatch.Weaken(elf);
                if (outcome == GlibcxxNeedOutcome.Weakened)
                {
                    Rewrite(library, elf);
                    Patched++;
                    Log.LogMessage(MessageImportance.High,
                        $"Transfer: marked {GlibcxxNeedPatch.Version} weak in {library} (so it loads with GCC 12's libstdc++, as on Debian 12 and Ubuntu 22.04).");
                }
                else
                {
                    Log.LogMessage(MessageImportance.Low, $"Transfer: {library}: {outcome}, left as it is.");
                }
            }
            catch (InvalidDataException e)
            {
                Log.LogError($"Transfer: {library}: {e.Message} Set the MSBuild property TransferPatchLibTorchSharp=false to ship the library unpatched (it then needs libstdc++ from GCC 13 or later).");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogError($"Transfer: could not patch {library}: {e.Message}");
            }
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>Writes a new file and moves it over the old one: never modifies a file that may be hard-linked into the NuGet cache.</summary>
    /// <remarks>Keeps the timestamp (and the size is unchanged), so incremental builds do not copy the original back.</remarks>
    private static void Rewrite(string path, byte[] contents)
    {
        DateTime stamp = File.GetLastWriteTimeUtc(path);
        string temp = path + ".transfer-tmp";
        File.WriteAllBytes(temp, contents);
        File.SetLastWriteTimeUtc(temp, stamp);
        File.Delete(path);
        File.Move(temp, path);
    }
}

/// <summary>What <see cref="GlibcxxNeedPatch.Weaken"/> found.</summary>
public enum GlibcxxNeedOutcome
{
    /// <summary>The library does not ask for GLIBCXX_3.4.32: nothing to do.</summary>
    NotNeeded,

    /// <summary>The need is already weak (patched before, or shipped that way).</summary>
    AlreadyWeak,

    /// <summary>The need was marked weak in the given bytes.</summary>
    Weakened,
}

/// <summary>
/// The ELF edit itself, on bytes: finds every vernaux entry named GLIBCXX_3.4.32 in .gnu.version_r, every
/// .dynsym symbol whose .gnu.version index refers to it, and every dynamic relocation against those
/// symbols; marks the entries VER_FLG_WEAK only when the symbols are exactly std::ios_base_library_init()
/// and no relocation refers to it (so the library never binds it). Anything else is refused.
/// </summary>
public static class GlibcxxNeedPatch
{
    /// <summary>The file name the task patches.</summary>
    public const string LibraryName = "libLibTorchSharp.so";

    /// <summary>The version GCC 13 introduced and GCC 12's libstdc++ lacks.</summary>
    public const string Version = "GLIBCXX_3.4.32";

    /// <summary>std::ios_base_library_init(), which GCC 13's &lt;iostream&gt; names without calling it.</summary>
    public const string OnlySymbol = "_ZSt21ios_base_library_initv";

    private const uint ShtRela = 4;
    private const uint ShtRel = 9;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const int VerFlgWeak = 0x2;
    private const int SectionHeaderSize = 64;
    private const int SymbolSize = 24;

    /// <summary>Marks the need weak in <paramref name="elf"/> when that is provably safe.</summary>
    /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF, is malformed, or
    /// needs GLIBCXX_3.4.32 for more than std::ios_base_library_init(); the message says which.</exception>
    public static GlibcxxNeedOutcome Weaken(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file.");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not a 64-bit little-endian ELF file, which is the only kind this patch reads.");
        }

        Section[] sections = ReadSections(elf);
        List<Need> needs = FindNeeds(elf, sections);
        if (needs.Count == 0)
        {
            return GlibcxxNeedOutcome.NotNeeded;
        }

        if (needs.All(n => (n.Flags & VerFlgWeak) != 0))
        {
            return GlibcxxNeedOutcome.AlreadyWeak;
        }

        HashSet<int> indexes = new HashSet<int>(needs.Select(n => n.Index));
        Dictionary<long, string> symbols = SymbolsWithVersion(elf, sections, indexes, out int dynsymIndex);
        List<string> others = symbols.Values.Where(s => s != OnlySymbol).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToList();
        if (others.Count > 0)
        {
            string listed = string.Join(", ", others.Take(5)) + (others.Count > 5 ? $" and {others.Count - 5} more" : "");
            throw new InvalidDataException(
                $"{Version} is needed for {listed}, not only for std::ios_base_library_init(), so it cannot be marked optional: the library would fail at run time on a libstdc++ without it.");
        }

        if (symbols.Count == 0)
        {
            throw new InvalidDataException(
                $"no dynamic symbol uses {Version} (expected exactly {OnlySymbol}); the file is not the one this patch was made for.");
        }

        long relocated = FirstRelocationAgainst(elf, sections, dynsymIndex, new HashSet<long>(symbols.Keys));
        if (relocated >= 0)
        {
            throw new InvalidDataException(
                $"a dynamic relocation (at file offset {relocated}) refers to {OnlySymbol}@{Version}, so the library really calls it and {Version} cannot be marked optional.");
        }

        foreach (Need need in needs)
        {
            int flags = need.Flags | VerFlgWeak;
            elf[need.FlagsOffset] = (byte)(flags & 0xff);
            elf[need.FlagsOffset + 1] = (byte)(flags >> 8);
        }

        return GlibcxxNeedOutcome.Weakened;
    }

    private static Section[] ReadSections(byte[] elf)
    {
        long shoff = checked((long)U64(elf, 0x28));
        int shentsize = U16(elf, 0x3A);
        int shnum = U16(elf, 0x3C);
        if (shnum > 0 && shentsize < SectionHeaderSize)
        {
            throw new InvalidDataException($"section header size {shentsize} is smaller than an ELF64 section header.");
        }

        Section[] sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            long header = checked(shoff + (long)i * shentsize);
            sections[i] = new Section(
                U32(elf, header + 4),
                checked((long)U64(elf, header + 0x18)),
                checked((long)U64(elf, header + 0x20)),
                (int)U32(elf, header + 0x28),
                U32(elf, header + 0x2C));
        }

        return sections;
    }

    /// <summary>Every vernaux entry named <see cref="Version"/>, with its flags and version index.</summary>
    private static List<Need> FindNeeds(byte[] elf, Section[] sections)
    {
        List<Need> needs = new List<Need>();
        foreach (Section verneed in sections.Where(s => s.Type == ShtGnuVerneed))
        {
            Section strings = Linked(sections, verneed, ".gnu.version_r");
            long entry = verneed.Offset;
            for (uint n = 0; n < verneed.Info; n++)
            {
                int auxCount = U16(elf, entry + 2);
                long aux = checked(entry + U32(elf, entry + 8));
                for (int a = 0; a < auxCount; a++)
                {
                    if (ReadString(elf, strings, U32(elf, aux + 8)) == Version)
                    {
                        needs.Add(new Need(aux + 4, U16(elf, aux + 4), U16(elf, aux + 6) & 0x7fff));
                    }

                    aux = checked(aux + U32(elf, aux + 12));
                }

                entry = checked(entry + U32(elf, entry + 12));
            }
        }

        return needs;
    }

    /// <summary>Dynamic symbols (by index) whose .gnu.version entry is one of <paramref name="indexes"/>.</summary>
    private static Dictionary<long, string> SymbolsWithVersion(byte[] elf, Section[] sections, HashSet<int> indexes, out int dynsymIndex)
    {
        Section[] versyms = sections.Where(s => s.Type == ShtGnuVersym).ToArray();
        if (versyms.Length != 1)
        {
            throw new InvalidDataException($"expected one .gnu.version section, found {versyms.Length}.");
        }

        Section versym = versyms[0];
        dynsymIndex = versym.Link;
        Section dynsym = Linked(sections, versym, ".gnu.version");
        Section dynstr = Linked(sections, dynsym, ".dynsym");
        long count = dynsym.Size / SymbolSize;
        if (versym.Size / 2 != count)
        {
            throw new InvalidDataException($".gnu.version has {versym.Size / 2} entries but .dynsym has {count} symbols.");
        }

        Dictionary<long, string> symbols = new Dictionary<long, string>();
        for (long i = 0; i < count; i++)
        {
            if (indexes.Contains(U16(elf, versym.Offset + (i * 2)) & 0x7fff))
            {
                symbols[i] = ReadString(elf, dynstr, U32(elf, dynsym.Offset + (i * SymbolSize)));
            }
        }

        return symbols;
    }

    /// <summary>The file offset of the first REL/RELA entry against one of <paramref name="symbols"/>, or -1.</summary>
    private static long FirstRelocationAgainst(byte[] elf, Section[] sections, int dynsymIndex, HashSet<long> symbols)
    {
        foreach (Section relocations in sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsymIndex))
        {
            long size = relocations.Type == ShtRela ? 24 : 16;
            for (long entry = relocations.Offset; entry + size <= relocations.Offset + relocations.Size; entry += size)
            {
                if (symbols.Contains((long)(U64(elf, entry + 8) >> 32)))
                {
                    return entry;
                }
            }
        }

        return -1;
    }

    private static Section Linked(Section[] sections, Section section, string name)
    {
        if (section.Link <= 0 || section.Link >= sections.Length)
        {
            throw new InvalidDataException($"{name} links to section {section.Link}, which does not exist.");
        }

        return sections[section.Link];
    }

    private static ulong Read(byte[] file, long offset, int length)
    {
        if (offset < 0 || offset > file.Length - length)
        {
            throw new InvalidDataException($"an ELF structure at offset {offset} runs past the end of the file.");
        }

        ulong value = 0;
        for (int i = length - 1; i >= 0; i--)
        {
            value = (value << 8) | file[offset + i];
        }

        return value;
    }

    private static int U16(byte[] file, long offset) => (int)Read(file, offset, 2);

    private static uint U32(byte[] file, long offset) => (uint)Read(file, offset, 4);

    private static ulong U64(byte[] file, long offset) => Read(file, offset, 8);

    private static string ReadString(byte[] file, Section table, uint index)
    {
        long start = checked(table.Offset + index);
        long end = start;
        long limit = Math.Min(file.Length, table.Offset + table.Size);
        while (end < limit && file[end] != 0)
        {
            end++;
        }

        if (index >= table.Size || end >= limit)
        {
            throw new InvalidDataException($"a string at offset {start} runs past its string table.");
        }

        return Encoding.ASCII.GetString(file, (int)start, (int)(end - start));
    }

    private readonly struct Section
    {
        public Section(uint type, long offset, long size, int link, uint info)
        {
            Type = type;
            Offset = offset;
            Size = size;
            Link = link;
            Info = info;
        }

        public uint Type { get; }

        public long Offset { get; }

        public long Size { get; }

        public int Link { get; }

        public uint Info { get; }
    }

    private readonly struct Need
    {
        public Need(long flagsOffset, int flags, int index)
        {
            FlagsOffset = flagsOffset;
            Flags = flags;
            Index = index;
        }

        public long FlagsOffset { get; }

        public int Flags { get; }

        public int Index { get; }
    }
}
