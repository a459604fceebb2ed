using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using Transfer.Cli.Commands;
using Transfer.Formats;
using Transfer.Tests.Cli;

namespace Transfer.Tests.Formats;

/// <summary>
/// Tiny files that claim huge sizes cost neither memory nor the time to build what they claim: pickles are
/// streamed from the file (their claimed length is never allocated), a view that repeats stored bytes is
/// refused past the expansion limit and, when allowed, hashed and converted in bounded chunks. Memory is
/// measured per thread (managed allocations) or in a child process of its own (peak RSS), so other tests
/// running in parallel cannot disturb the numbers.
/// </summary>
public sealed class BoundedReadTests
{
    private const long MiB = 1 << 20;
    private const string Expansion = "its tensors hold {0} bytes, more than 16 × the file's 518 bytes + 64 MiB (views that repeat stored bytes, such as stride-0 expansions); pass --allow-expansion to read it anyway";

    [Fact]
    public void Inspect_hash_and_convert_refuse_a_view_that_expands_past_the_limit_and_write_nothing()
    {
        string path = Fixture.Bad("stride0_2gib.pt");
        string expected = $"error: {path}: {string.Format(null, Expansion, 2L << 30)}\n";
        StringWriter inspect = new();
        Assert.Equal(2, CommandErrors.Run(() => InspectCommand.Run(path, "table", true, null, TextWriter.Null), inspect));
        Assert.Equal(expected, inspect.ToString());
        string folder = Fixture.TempFolder();
        StringWriter convert = new();
        Assert.Equal(2, CommandErrors.Run(() => ConvertCommand.Run(path, Path.Combine(folder, "out.dat"), null, TextWriter.Null), convert));
        Assert.Equal(expected, convert.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void Expanded_views_load_hash_and_convert_to_the_values_PyTorch_gives()
    {
        // torch.load of expand_views.pt gives these (strides (1, 0), (0, 1) and (0,)).
        float[][] expected = [[0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], [0, 1, 2, 0, 1, 2], [2.5f, 2.5f, 2.5f, 2.5f, 2.5f]];
        string converted = Path.Combine(Fixture.TempFolder(), "expand.safetensors");
        using (Checkpoint checkpoint = CheckpointReader.Open(Fixture.Bad("expand_views.pt")))
        {
            Assert.Equal(["rows", "cols", "scalar"], checkpoint.Specs.Select(s => s.Name));
            for (int i = 0; i < expected.Length; i++)
            {
                using TorchSharp.torch.Tensor loaded = checkpoint.Tensors[i].Load();
                Assert.Equal(expected[i], loaded.data<float>().ToArray());
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected[i].AsSpan()))), checkpoint.Tensors[i].Sha256());
            }

            CheckpointWriter.Write(converted, [.. checkpoint.Tensors.Select(t => KeyValuePair.Create(t.Spec.Name, t))]);
        }

        using Checkpoint back = CheckpointReader.Open(converted);
        for (int i = 0; i < expected.Length; i++)
        {
            using TorchSharp.torch.Tensor loaded = back.Tensors[i].Load();
            Assert.Equal(expected[i], loaded.data<float>().ToArray());
        }
    }

    [Fact]
    public void Plan_refuses_an_expanding_file_unless_expansion_is_allowed_and_then_reads_no_tensor_bytes()
    {
        string path = Fixture.Bad("stride0_2gib.pt");
        StringWriter refused = new();
        Assert.Equal(2, CommandErrors.Run(() => PlanCommand.Run(path, "LeNet5", null, null, "json", TextWriter.Null, refused), refused));
        Assert.Equal($"error: {path}: {string.Format(null, Expansion, 2L << 30)}\n", refused.ToString());
        StringWriter report = new();
        StringWriter errors = new();
        // Allowed, the file plans (its one tensor fits nothing in LeNet5, so the plan itself fails: exit 1).
        Assert.Equal(1, CommandErrors.Run(() => PlanCommand.Run(path, "LeNet5", null, null, "json", report, errors, allowExpansion: true), errors));
        Assert.Contains("nothing would load", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"source\": \"w\"", report.ToString());
    }

    [Fact]
    public void Allowed_expansion_hashes_a_512_MiB_stride0_view_exactly_with_a_small_peak_RSS()
    {
        var (code, stdout, stderr, peak) = RunMeasured("inspect", Fixture.Bad("stride0_512mib.pt"), "--hash", "--allow-expansion");
        Assert.True(code == 0, stderr);
        Assert.Contains($"w     float32  [134217728]  {RepeatedFloatSha256(1.5f, 1 << 27)}", stdout);
        Assert.True(peak < 320 * MiB, $"peak RSS {peak / MiB} MiB");
    }

    [Fact]
    public void Allowed_expansion_converts_a_512_MiB_stride0_view_exactly_with_a_small_peak_RSS()
    {
        string output = Path.Combine(Fixture.TempFolder(), "out.dat");
        var (code, _, stderr, peak) = RunMeasured("convert", Fixture.Bad("stride0_512mib.pt"), output, "--allow-expansion");
        Assert.True(code == 0, stderr);
        Assert.True(peak < 320 * MiB, $"peak RSS {peak / MiB} MiB");
        using (Checkpoint written = CheckpointReader.Open(output))
        {
            Assert.Equal(RepeatedFloatSha256(1.5f, 1 << 27), Assert.Single(written.Tensors).Sha256());
        }

        File.Delete(output);
    }

    [Fact]
    public void A_near_1_GiB_data_pkl_claiming_a_1_GiB_string_is_refused_without_allocating_it()
    {
        // A sparse file: the member's bytes take no disk, but the old reader allocated all of them.
        string path = Path.Combine(Fixture.TempFolder(), "huge_pickle.pt");
        long size = (1L << 30) - 4096;
        byte[] prefix = [0x80, 0x02, (byte)'X', 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix.AsSpan(3), (uint)(size - prefix.Length));
        SparseZip(path, "archive/data.pkl", prefix, size);
        AssertRefusedWithin(16 * MiB, path, $"data.pkl: string at offset 2 claims {size - prefix.Length} bytes, above the limit of 67108864 for one string");
    }

    [Fact]
    public void An_unterminated_1_GiB_legacy_stream_is_refused_without_allocating_it()
    {
        string path = Path.Combine(Fixture.TempFolder(), "huge_legacy.pt");
        byte[] head = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e, 0x80, 0x02, (byte)'X', 0, 0, 0, 0];
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(18), (1u << 30) - 64);
        using (FileStream f = new(path, FileMode.CreateNew))
        {
            f.Write(head);
            f.SetLength(1L << 30);
        }

        AssertRefusedWithin(16 * MiB, path, "protocol version pickle: string at offset 17 claims 1073741760 bytes, above the limit of 67108864 for one string");
    }

    [Fact]
    public void An_unterminated_legacy_stream_just_under_1_MB_is_read_once_in_bounded_memory()
    {
        // 160,000 small opcode pairs and no STOP: read in one pass (the old reader re-read a growing window).
        AssertRefusedWithin(32 * MiB, Fixture.Bad("legacy_unterminated.pt"), "protocol version pickle: ended before STOP");
    }

    private static void AssertRefusedWithin(long bytes, string path, string problem)
    {
        Stopwatch clock = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(path).Dispose());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(problem, e.Problem);
        Assert.True(allocated < bytes, $"allocated {allocated / MiB} MiB");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    /// <summary>A one-member stored zip whose member is <paramref name="size"/> bytes, all but the prefix a hole.</summary>
    private static void SparseZip(string path, string name, byte[] prefix, long size)
    {
        byte[] nameBytes = System.Text.Encoding.ASCII.GetBytes(name);
        using FileStream f = new(path, FileMode.CreateNew);
        byte[] local = new byte[30];
        BinaryPrimitives.WriteUInt32LittleEndian(local, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(4), 20);
        BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(18), (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(22), (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(26), (ushort)nameBytes.Length);
        f.Write(local);
        f.Write(nameBytes);
        f.Write(prefix);
        long directory = 30 + nameBytes.Length + size;
        f.Position = directory;
        byte[] entry = new byte[46];
        BinaryPrimitives.WriteUInt32LittleEndian(entry, 0x02014b50);
        BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(4), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(6), 20);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(20), (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(24), (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(28), (ushort)nameBytes.Length);
        f.Write(entry);
        f.Write(nameBytes);
        byte[] end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)(46 + nameBytes.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)directory);
        f.Write(end);
    }

    private static string RepeatedFloatSha256(float value, long count)
    {
        byte[] block = new byte[MiB];
        for (int i = 0; i < block.Length; i += 4)
        {
            BinaryPrimitives.WriteSingleLittleEndian(block.AsSpan(i), value);
        }

        using IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long done = 0; done < count * 4; done += block.Length)
        {
            hash.AppendData(block);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Runs <c>transfer</c> in a child process, sampling its peak RSS (VmHWM) until it exits.</summary>
    internal static (int Code, string Out, string Err, long PeakBytes) RunMeasured(params string[] args)
    {
        using Process p = CliProcess.Start(args);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!p.WaitForExit(10))
        {
            try
            {
                foreach (string line in File.ReadLines($"/proc/{p.Id}/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        peak = Math.Max(peak, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024);
                    }
                }
            }
            catch (IOException)
            {
                // The process exited between the check and the read.
            }
        }

        Assert.True(peak > 0, "no RSS sample was taken");
        return (p.ExitCode, stdout.Result, stderr.Result, peak);
    }
}
