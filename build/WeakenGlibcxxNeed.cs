// MSBuild inline task (RoslynCodeTaskFactory): marks libLibTorchSharp.so's need for GLIBCXX_3.4.32 as
// VER_FLG_WEAK in a build or publish output, when the host's libstdc++ lacks that version.
// See LibTorchSharpGlibcxxFix.targets for why. Compiled by MSBuild itself, so it needs only the .NET SDK.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenGlibcxxNeed : Task
{
    private const string NeededVersion = "GLIBCXX_3.4.32";
    private const string LibraryName = "libLibTorchSharp.so";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    private static readonly string[] HostLibstdcxxPaths =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    [Required]
    public string Directory { get; set; } = "";

    [Output]
    public int Patched { get; set; }

    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return true;
        }

        string[] libraries = System.IO.Directory.GetFiles(Directory, LibraryName, SearchOption.AllDirectories);
        if (libraries.Length == 0 || HostHasVersion())
        {
            return true;
        }

        foreach (string library in libraries)
        {
            try
            {
                if (Weaken(library))
                {
                    Patched++;
                    Log.LogMessage(MessageImportance.High,
                        $"Transfer: marked {NeededVersion} weak in {library} (host libstdc++ lacks it).");
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogError($"Transfer: could not patch {library}: {e.Message}");
                return false;
            }
        }

        return true;
    }

    private static bool HostHasVersion()
    {
        byte[] needle = Encoding.ASCII.GetBytes(NeededVersion + "\0");
        foreach (string path in HostLibstdcxxPaths)
        {
            if (File.Exists(path))
            {
                return IndexOf(File.ReadAllBytes(path), needle, 0) >= 0;
            }
        }

        // No libstdc++ where we looked: leave the library as shipped.
        return true;
    }

    /// <summary>Returns true when the file was changed; false when it was already weak or never asked.</summary>
    private static bool Weaken(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F'
            || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        }

        long shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A);
        int shnum = U16(elf, 0x3C);
        bool changed = false;

        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (U32(elf, sh + 4) != ShtGnuVerneed)
            {
                continue;
            }

            long verneed = (long)U64(elf, sh + 0x18);
            long link = U32(elf, sh + 0x28);
            uint count = U32(elf, sh + 0x2C);
            long strtab = (long)U64(elf, shoff + link * shentsize + 0x18);

            for (uint n = 0; n < count; n++)
            {
                int auxCount = U16(elf, verneed + 2);
                long aux = verneed + U32(elf, verneed + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    int flags = U16(elf, aux + 4);
                    long name = strtab + U32(elf, aux + 8);
                    if (ReadString(elf, name) == NeededVersion && (flags & VerFlgWeak) == 0)
                    {
                        int weak = flags | VerFlgWeak;
                        elf[aux + 4] = (byte)(weak & 0xff);
                        elf[aux + 5] = (byte)(weak >> 8);
                        changed = true;
                    }

                    aux += U32(elf, aux + 12);
                }

                verneed += U32(elf, verneed + 12);
            }
        }

        if (changed)
        {
            // Write a new file and move it over the old one: never modify a file that may be hard-linked.
            DateTime stamp = File.GetLastWriteTimeUtc(path);
            string temp = path + ".transfer-tmp";
            File.WriteAllBytes(temp, elf);
            File.SetLastWriteTimeUtc(temp, stamp);
            File.Delete(path);
            File.Move(temp, path);
        }

        return changed;
    }

    private static ulong Read(byte[] file, long offset, int length)
    {
        if (offset < 0 || offset + length > file.Length)
        {
            throw new InvalidDataException("ELF structure at " + offset + " runs past the end of the file");
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

    private static int IndexOf(byte[] haystack, byte[] needle, int from)
    {
        for (int i = from; i <= haystack.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return i;
            }
        }

        return -1;
    }

    private static string ReadString(byte[] file, long offset)
    {
        Read(file, offset, 1);
        long end = offset;
        while (end < file.Length && file[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(file, (int)offset, (int)(end - offset));
    }
}
