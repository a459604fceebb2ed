using Transfer.Cli.Commands;
using Transfer.Formats;

namespace Transfer.Tests.Formats;

/// <summary>
/// A zip member whose bytes do not match the CRC-32 its archive records, or that shares bytes with another
/// member, is refused with one line, whether its bytes are loaded, hashed, streamed or copied inside the
/// kernel, and before any output is committed (fixtures: make_integrity_fixtures.py).
/// </summary>
public sealed class CorruptMemberTests
{
    private const string Data0 = "storage member 'archive/data/0' has CRC-32 942d8927 but the archive records 91e79017 (the file is corrupt)";
    private const string Data1 = "storage member 'archive/data/1' has CRC-32 ef9b60f6 but the archive records 25601b8b (the file is corrupt)";

    [Theory]
    [InlineData("crc_wrong_pickle.pt", "zip member 'archive/data.pkl' has CRC-32 e4dffa43 but the archive records 1b2005bc (the file is corrupt)")]
    [InlineData("overlap_members.pt", "zip members 'archive/data/0' (bytes [368, 472)) and 'archive/data/1' (bytes [368, 464)) overlap")]
    [InlineData("overlap_directory.pt", "zip member 'archive/version' (bytes [732, 932)) overlaps the central directory at offset 850")]
    public void A_corrupt_pickle_or_overlapping_members_are_refused_at_open(string file, string problem)
    {
        string path = Fixture.Bad(file);
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(path).Dispose());
        Assert.Equal($"{path}: {problem}", e.Message);
    }

    [Fact]
    public void Headers_of_a_corrupt_storage_still_open_but_its_tensors_refuse_to_load_and_an_intact_one_loads()
    {
        using Checkpoint checkpoint = CheckpointReader.Open(Fixture.Bad("crc_wrong_storage.pt"));
        Assert.Equal(["w", "t", "b"], checkpoint.Tensors.Select(t => t.Spec.Name));
        Assert.Equal(Data0, Assert.Throws<CheckpointFormatException>(() => checkpoint.Tensors[0].Sha256()).Problem);
        // 't' is a transposed (strided) view, gathered through the memory map: checked all the same.
        Assert.Equal(Data1, Assert.Throws<CheckpointFormatException>(() => checkpoint.Tensors[1].Sha256()).Problem);
        using TorchSharp.torch.Tensor b = checkpoint.Tensors[2].Load();
        Assert.Equal([1f, 1f, 1f], b.data<float>().ToArray());
        // Asking again refuses again: a failed check is never remembered as a pass.
        Assert.Equal(Data0, Assert.Throws<CheckpointFormatException>(() => checkpoint.Tensors[0].Load().Dispose()).Problem);
    }

    [Theory]
    [InlineData("out.pt")] // whole storage members: the kernel-copy path, which must read and check first
    [InlineData("out.safetensors")]
    [InlineData("out.dat")]
    public void Convert_refuses_a_corrupt_member_with_one_line_and_leaves_the_old_output_and_no_temp(string name)
    {
        string folder = Fixture.TempFolder();
        string output = Path.Combine(folder, name);
        File.WriteAllText(output, "old");
        string path = Fixture.Bad("crc_wrong_storage.pt");
        StringWriter errors = new();
        Assert.Equal(2, CommandErrors.Run(() => ConvertCommand.Run(path, output, null, TextWriter.Null), errors));
        Assert.Equal($"error: {path}: {Data0}\n", errors.ToString());
        Assert.Equal("old", File.ReadAllText(output));
        Assert.Equal([output], Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void Apply_from_a_corrupt_source_refuses_with_one_line_and_writes_nothing()
    {
        string folder = Fixture.TempFolder();
        string output = Path.Combine(folder, "merged.pt");
        string path = Fixture.Bad("crc_wrong_storage.pt");
        StringWriter errors = new();
        Assert.Equal(2, CommandErrors.Run(() => ApplyCommand.Run(path, path, null, null, output, TextWriter.Null), errors));
        Assert.Equal($"error: {path}: {Data0}\n", errors.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void Convert_of_an_intact_pt_to_pt_still_copies_every_byte_with_its_crc()
    {
        string folder = Fixture.TempFolder();
        string output = Path.Combine(folder, "copy.pt");
        Assert.Equal(0, CommandErrors.Run(() => ConvertCommand.Run(Fixture.Path_("dtypes.pt"), output, null, TextWriter.Null)));
        using Checkpoint copy = CheckpointReader.Open(output);
        foreach (var (tensor, expected) in copy.Tensors.Zip(Fixture.Expected("dtypes.pt")))
        {
            Assert.Equal(expected.Sha256, tensor.Sha256());
        }
    }
}
