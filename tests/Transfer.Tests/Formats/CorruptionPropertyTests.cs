using FsCheck;
using FsCheck.Xunit;
using Transfer.Formats;

namespace Transfer.Tests.Formats;

/// <summary>
/// Randomly corrupted valid files (bytes flipped, cut off or inserted) either still read or fail with
/// <see cref="CheckpointFormatException"/>; no other exception ever escapes a reader.
/// </summary>
public sealed class CorruptionPropertyTests
{
    private static readonly string[] Sources =
    [
        "views.pt", "dtypes.pt", "legacy_dtypes.pt", "dtypes.safetensors", "small.dat",
        "malicious/shared_key_two_dtypes.pt", "malicious/legacy_shared_key_two_dtypes.pt", "malicious/metadata_name.pt",
        "modules/lenet5_module_legacy.pt", "numpy/caffe2_py2.pkl", "numpy/dtypes_p2.pkl", "numpy/dtypes_p4.pkl",
    ];
    private static readonly Lazy<Dictionary<string, byte[]>> Originals = new(Load);

    /// <summary>The sources are at most a few hundred KB; a corrupted size field must never make a reader allocate what it claims.</summary>
    private const long MaxAllocation = 16L << 20;

    [Property(MaxTest = 400)]
    public bool Corrupted_files_read_or_fail_only_with_the_format_error(int seed, NonNegativeInt which)
    {
        Random random = new(seed);
        string source = Sources[which.Get % Sources.Length];
        byte[] bytes = Corrupt(Originals.Value[source], random);
        string path = Path.Combine(Fixture.TempFolder(), "corrupt" + Path.GetExtension(source));
        File.WriteAllBytes(path, bytes);
        return ReadsOrRefuses(path);
    }

    /// <summary>
    /// Reads every tensor of <paramref name="path"/> (then deletes its folder): true when that works or fails with a
    /// one-line <see cref="CheckpointFormatException"/>, allocating less than <see cref="MaxAllocation"/> either way.
    /// </summary>
    internal static bool ReadsOrRefuses(string path)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            using Checkpoint checkpoint = CheckpointReader.Open(path);
            foreach (CheckpointTensor tensor in checkpoint.Tensors)
            {
                using var loaded = tensor.Load();
            }

            return GC.GetAllocatedBytesForCurrentThread() - before < MaxAllocation;
        }
        catch (CheckpointFormatException e)
        {
            return !e.Message.Contains('\n', StringComparison.Ordinal) && GC.GetAllocatedBytesForCurrentThread() - before < MaxAllocation;
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    /// <summary>One to four random edits: a bit flipped, a byte replaced, the rest cut off, or up to 8 random bytes inserted.</summary>
    internal static byte[] Corrupt(byte[] original, Random random)
    {
        List<byte> bytes = [.. original];
        int edits = 1 + random.Next(4);
        for (int i = 0; i < edits && bytes.Count > 0; i++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes[at] = (byte)random.Next(256); break;
                case 2: bytes.RemoveRange(at, bytes.Count - at); break;
                default: bytes.InsertRange(at, Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (byte)random.Next(256))); break;
            }
        }

        return [.. bytes];
    }

    private static Dictionary<string, byte[]> Load()
    {
        Dictionary<string, byte[]> files = Sources.Where(s => s != "small.dat").ToDictionary(s => s, s => File.ReadAllBytes(Fixture.Path_(s)));
        string dat = Path.Combine(Fixture.TempFolder(), "small.dat");
        using (Checkpoint views = CheckpointReader.Open(Fixture.Path_("views.pt"))) // a TorchSharp file of the same tensors
        {
            CheckpointWriter.Write(dat, [.. views.Tensors.Select(t => KeyValuePair.Create(t.Spec.Name, t))]);
        }

        files["small.dat"] = File.ReadAllBytes(dat);
        return files;
    }
}
