using System.IO.Compression;
using FsCheck;
using FsCheck.Xunit;

namespace Transfer.Tests.Formats;

/// <summary>
/// A zip archive's CRC-32s stop most corruption at the door, so here one member of a whole-model pickle or a
/// TorchScript archive (its data.pkl, constants.pkl, a code/ file, version) is corrupted and the archive rebuilt with
/// valid CRCs: the pickle and code readers behind the door either read it or fail with the one-line format error.
/// </summary>
public sealed class ArchiveMemberCorruptionPropertyTests
{
    private static readonly string[] Archives =
    [
        "modules/buffers_module.pt", "modules/buffers_wrapped.pt", "modules/buffers_scripted.pt", "modules/lenet5_traced.pt",
        "modules/namespace_checkpoint.pt",
    ];

    [Property(MaxTest = 300)]
    public bool An_archive_with_a_corrupted_member_reads_or_fails_only_with_the_format_error(int seed, NonNegativeInt which)
    {
        Random random = new(seed);
        string path = Path.Combine(Fixture.TempFolder(), "corrupt.pt");
        using (ZipArchive original = ZipFile.OpenRead(Fixture.Path_(Archives[which.Get % Archives.Length])))
        {
            ZipArchiveEntry[] readable = [.. original.Entries.Where(e => e.Name.EndsWith(".pkl", StringComparison.Ordinal) || e.Name == "version" || e.FullName.Contains("/code/", StringComparison.Ordinal))];
            ZipArchiveEntry victim = readable[random.Next(readable.Length)];
            using FileStream file = File.Create(path);
            using ZipArchive copy = new(file, ZipArchiveMode.Create);
            foreach (ZipArchiveEntry entry in original.Entries)
            {
                using MemoryStream bytes = new();
                using (Stream read = entry.Open())
                {
                    read.CopyTo(bytes);
                }

                // torch.jit.save deflates code/ and stores the rest; the readers take both as they come.
                ZipArchiveEntry written = copy.CreateEntry(
                    entry.FullName, entry.FullName.Contains("/code/", StringComparison.Ordinal) ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using Stream write = written.Open();
                write.Write(entry == victim ? CorruptionPropertyTests.Corrupt(bytes.ToArray(), random) : bytes.ToArray());
            }
        }

        return CorruptionPropertyTests.ReadsOrRefuses(path);
    }
}
