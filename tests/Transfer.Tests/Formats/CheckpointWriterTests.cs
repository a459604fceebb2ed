using TorchSharp;
using Transfer.Formats;
using static TorchSharp.torch;

namespace Transfer.Tests.Formats;

/// <summary>What the writers produce reads back exactly, in every format, and a failed write changes nothing.</summary>
public sealed class CheckpointWriterTests
{
    public static TheoryData<string> Extensions => new() { ".pt", ".pth", ".bin", ".safetensors", ".dat" };

    [Theory]
    [InlineData("dtypes.pt")]
    [InlineData("views.pt")]
    [InlineData("legacy_dtypes.pt")]
    public void A_pt_written_from_another_checkpoint_records_the_right_crc_for_every_member(string source)
    {
        // Whole storage members are copied file to file with the CRC their archive records; views and
        // legacy storages are read and checksummed. Either way each member's CRC must match its bytes.
        string output = Path.Combine(Fixture.TempFolder(), "copy.pt");
        using (Checkpoint input = CheckpointReader.Open(Fixture.Path_(source)))
        {
            CheckpointWriter.Write(output, [.. input.Tensors.Select(t => KeyValuePair.Create(t.Spec.Name, t))]);
        }

        using System.IO.Compression.ZipArchive zip = System.IO.Compression.ZipFile.OpenRead(output);
        foreach (System.IO.Compression.ZipArchiveEntry entry in zip.Entries)
        {
            using Stream content = entry.Open();
            using MemoryStream bytes = new();
            content.CopyTo(bytes);
            Assert.Equal(entry.Crc32, System.IO.Hashing.Crc32.HashToUInt32(bytes.ToArray()));
        }

        Assert.Equal(Fixture.Expected(source).Count + 3, zip.Entries.Count(e => e.FullName.StartsWith("archive/", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void Every_dtype_and_view_round_trips_exactly(string extension)
    {
        string folder = Fixture.TempFolder();
        foreach (string source in new[] { "dtypes.pt", "views.pt" })
        {
            string output = Path.Combine(folder, Path.GetFileNameWithoutExtension(source) + extension);
            using (Checkpoint input = CheckpointReader.Open(Fixture.Path_(source)))
            {
                CheckpointWriter.Write(output, [.. input.Tensors.Select(t => KeyValuePair.Create(t.Spec.Name, t))]);
            }

            using Checkpoint written = CheckpointReader.Open(output);
            IReadOnlyList<ExpectedTensor> expected = Fixture.Expected(source);
            Assert.Equal(expected.Select(e => (e.Name, e.DType, string.Join(",", e.Shape), e.Sha256)),
                written.Tensors.Select(t => (t.Spec.Name, t.Spec.DType, string.Join(",", t.Spec.Shape), (string?)t.Sha256())));
        }

        Assert.Equal(2, Directory.GetFiles(folder).Length);
    }

    [Fact]
    public void Live_tensors_including_non_contiguous_ones_are_written_as_their_values()
    {
        string path = Path.Combine(Fixture.TempFolder(), "live.safetensors");
        using Tensor a = arange(12, dtype: ScalarType.Int32).reshape(3, 4);
        using Tensor t = a.t();
        CheckpointWriter.Write(path, [KeyValuePair.Create("a", a), KeyValuePair.Create("t", t)],
            new Dictionary<string, string> { ["epoch"] = "3" });
        using Checkpoint read = CheckpointReader.Open(path);
        using Tensor back = read.Tensors[1].Load();
        Assert.Equal(new[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }, back.data<int>().ToArray());
        Assert.Equal("3", read.Metadata["epoch"]);
    }

    [Fact]
    public void The_safetensors_header_is_padded_to_8_bytes_with_spaces_and_deterministic()
    {
        string folder = Fixture.TempFolder();
        using Tensor x = ones(3);
        CheckpointWriter.Write(Path.Combine(folder, "1.safetensors"), [KeyValuePair.Create("x", x)]);
        CheckpointWriter.Write(Path.Combine(folder, "2.safetensors"), [KeyValuePair.Create("x", x)]);
        byte[] first = File.ReadAllBytes(Path.Combine(folder, "1.safetensors"));
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(folder, "2.safetensors")));
        long n = BitConverter.ToInt64(first, 0);
        Assert.Equal(0, n % 8);
        string header = System.Text.Encoding.UTF8.GetString(first, 8, (int)n);
        Assert.Equal("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", header.TrimEnd(' '));
    }

    [Fact]
    public void A_failed_write_leaves_the_old_file_and_no_temp_file()
    {
        string folder = Fixture.TempFolder();
        string path = Path.Combine(folder, "out.pt");
        File.WriteAllText(path, "old");
        Checkpoint input = CheckpointReader.Open(Fixture.Path_("views.pt"));
        input.Dispose(); // reading its tensors now fails in the middle of the write
        Assert.ThrowsAny<Exception>(() =>
            CheckpointWriter.Write(path, [.. input.Tensors.Select(t => KeyValuePair.Create(t.Spec.Name, t))]));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder));
    }

    [Fact]
    public void An_unknown_output_extension_is_refused_naming_the_known_ones()
    {
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointWriter.FormatOf("out.h5"));
        Assert.Equal("out.h5: cannot tell the output format from the extension '.h5'; use .safetensors, .pt, .pth, .bin, .ckpt or .dat, or .safetensors.index.json or .bin.index.json for shards", e.Message);
    }

    [Fact]
    public void Duplicate_names_are_refused_before_anything_is_written()
    {
        string path = Path.Combine(Fixture.TempFolder(), "dup.pt");
        using Tensor x = ones(1);
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() =>
            CheckpointWriter.Write(path, [KeyValuePair.Create("x", x), KeyValuePair.Create("x", x)]));
        Assert.Equal($"{path}: the state dict names 'x' twice", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Safetensors_refuses_a_tensor_named_metadata_and_leaves_the_old_file()
    {
        string path = Path.Combine(Fixture.TempFolder(), "out.safetensors");
        File.WriteAllText(path, "old");
        using Tensor x = ones(1);
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() =>
            CheckpointWriter.Write(path, [KeyValuePair.Create("w", x), KeyValuePair.Create("__metadata__", x)]));
        Assert.Equal("safetensors reserves the name '__metadata__' for the header's metadata, so a tensor of that name cannot be written; rename it or choose another output format", e.Problem);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFileSystemEntries(Path.GetDirectoryName(path)!));
    }

    [Theory]
    [InlineData(".pt")]
    [InlineData(".dat")]
    public void Formats_without_a_reserved_name_write_and_read_back_a_tensor_named_metadata(string extension)
    {
        string path = Path.Combine(Fixture.TempFolder(), "out" + extension);
        using Tensor x = tensor(new[] { 1.5f, -2f });
        CheckpointWriter.Write(path, [KeyValuePair.Create("__metadata__", x)]);
        using Checkpoint back = CheckpointReader.Open(path);
        Assert.Equal("__metadata__", Assert.Single(back.Tensors).Spec.Name);
        using Tensor read = back.Tensors[0].Load();
        Assert.Equal([1.5f, -2f], read.data<float>().ToArray());
    }

    [Theory]
    [MemberData(nameof(Extensions))]
    public void A_name_with_an_unpaired_surrogate_is_refused_by_every_format(string extension)
    {
        // UTF-8 encoders would silently write U+FFFD instead, and the file would read back under another name.
        string path = Path.Combine(Fixture.TempFolder(), "out" + extension);
        using Tensor x = ones(1);
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() =>
            CheckpointWriter.Write(path, [KeyValuePair.Create("ok", x), KeyValuePair.Create("bad\ud800", x)]));
        Assert.Equal("the name of tensor 1 is not valid Unicode (it has an unpaired surrogate), so no checkpoint format can hold it", e.Problem);
        Assert.False(File.Exists(path));
    }
}
