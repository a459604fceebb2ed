using System.Buffers.Binary;
using Transfer.Build;

namespace Transfer.Tests.Build;

/// <summary>
/// build/WeakenGlibcxxNeed.cs (shipped in the package as buildTransitive targets): the copy of
/// libLibTorchSharp.so in a build output needs GLIBCXX_3.4.32 only weakly, and the patch refuses any
/// library where that version stands for more than std::ios_base_library_init().
/// </summary>
public sealed class LibTorchSharpPatchTests
{
    private const string Version = "GLIBCXX_3.4.32";
    private const int VerFlgWeak = 0x2;

    private static readonly string OutputCopy =
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    [Fact]
    public void The_copy_in_the_test_output_needs_GLIBCXX_3_4_32_only_weakly()
    {
        Assert.True(File.Exists(OutputCopy), $"{OutputCopy} is missing");
        var need = new ElfVersionNeeds(File.ReadAllBytes(OutputCopy)).Need(Version);

        Assert.NotNull(need);
        Assert.Equal(VerFlgWeak, need.Value.Flags & VerFlgWeak);
    }

    [Fact]
    public void Only_ios_base_library_init_stands_behind_GLIBCXX_3_4_32_in_the_shipped_library()
    {
        var elf = new ElfVersionNeeds(File.ReadAllBytes(OutputCopy));
        int index = elf.Need(Version)!.Value.Index;

        Assert.Equal(["_ZSt21ios_base_library_initv"], elf.Symbols().Where(s => s.Version == index).Select(s => s.Name));
    }

    [Fact]
    public void Weakening_the_shipped_library_sets_the_weak_flag_and_changes_no_other_byte()
    {
        byte[] patched = File.ReadAllBytes(OutputCopy);
        byte[] strong = AsShipped(patched);

        Assert.Equal(GlibcxxNeedOutcome.Weakened, GlibcxxNeedPatch.Weaken(strong));
        Assert.Equal(patched, strong);
    }

    [Fact]
    public void Weakening_twice_changes_nothing_the_second_time()
    {
        byte[] library = AsShipped(File.ReadAllBytes(OutputCopy));
        GlibcxxNeedPatch.Weaken(library);
        byte[] once = (byte[])library.Clone();

        Assert.Equal(GlibcxxNeedOutcome.AlreadyWeak, GlibcxxNeedPatch.Weaken(library));
        Assert.Equal(once, library);
    }

    [Fact]
    public void A_second_symbol_behind_GLIBCXX_3_4_32_is_refused_by_name()
    {
        byte[] library = AsShipped(File.ReadAllBytes(OutputCopy));
        var elf = new ElfVersionNeeds(library);
        var need = elf.Need(Version)!.Value;
        var other = elf.Symbols().First(s => s.Name == "_ZNSt9exceptionD2Ev");
        BinaryPrimitives.WriteUInt16LittleEndian(library.AsSpan(other.VersymOffset), (ushort)need.Index);
        byte[] before = (byte[])library.Clone();

        var error = Assert.Throws<InvalidDataException>(() => GlibcxxNeedPatch.Weaken(library));

        Assert.Equal(
            "GLIBCXX_3.4.32 is needed for _ZNSt9exceptionD2Ev, not only for std::ios_base_library_init(), so it cannot be marked optional: the library would fail at run time on a libstdc++ without it.",
            error.Message);
        Assert.Equal(before, library);
    }

    [Fact]
    public void A_relocation_against_ios_base_library_init_is_refused()
    {
        byte[] library = AsShipped(File.ReadAllBytes(OutputCopy));
        var elf = new ElfVersionNeeds(library);
        int symbol = elf.Symbols().Single(s => s.Name == "_ZSt21ios_base_library_initv").Index;
        int info = elf.FirstRelocationInfoOffset();
        BinaryPrimitives.WriteUInt32LittleEndian(library.AsSpan(info + 4), (uint)symbol);

        var error = Assert.Throws<InvalidDataException>(() => GlibcxxNeedPatch.Weaken(library));

        Assert.Equal(
            $"a dynamic relocation (at file offset {info - 8}) refers to _ZSt21ios_base_library_initv@GLIBCXX_3.4.32, so the library really calls it and GLIBCXX_3.4.32 cannot be marked optional.",
            error.Message);
    }

    [Fact]
    public void A_library_that_does_not_ask_for_GLIBCXX_3_4_32_is_left_alone()
    {
        byte[] library = AsShipped(File.ReadAllBytes(OutputCopy));
        var need = new ElfVersionNeeds(library).Need(Version)!.Value;
        // Rename the version in the string table: the file now asks for GLIBCXX_3.4.3X instead.
        int name = library.AsSpan().IndexOf("GLIBCXX_3.4.32\0"u8);
        library[name + 13] = (byte)'X';
        byte[] before = (byte[])library.Clone();

        Assert.Equal(GlibcxxNeedOutcome.NotNeeded, GlibcxxNeedPatch.Weaken(library));
        Assert.Equal(before, library);
        Assert.Equal(0, need.Flags & VerFlgWeak);
    }

    [Fact]
    public void A_file_that_is_not_ELF_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => GlibcxxNeedPatch.Weaken(new byte[100]));
        Assert.Equal("not an ELF file.", error.Message);
    }

    /// <summary>The library as TorchSharp ships it: the output copy with the weak flag cleared again.</summary>
    private static byte[] AsShipped(byte[] patched)
    {
        byte[] library = (byte[])patched.Clone();
        var need = new ElfVersionNeeds(library).Need(Version)!.Value;
        BinaryPrimitives.WriteUInt16LittleEndian(library.AsSpan(need.AuxOffset + 4), (ushort)(need.Flags & ~VerFlgWeak));
        return library;
    }
}
