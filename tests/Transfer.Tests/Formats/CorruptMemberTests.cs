using System.IO.Hashing;
using TorchSharp;
using Transfer.Applying;
using Transfer.Cli.Commands;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Planning;
using Transfer.Transfers;

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

    [Fact]
    public void A_corrupt_member_read_into_a_live_model_in_parallel_pieces_is_refused_with_the_same_line()
    {
        // 2500 x 2100 float32 = 21 MB: read by several threads in 8 MiB pieces, each checked as it is read.
        using torch.nn.Module<torch.Tensor, torch.Tensor> source = torch.nn.Linear(2100, 2500);
        using torch.nn.Module<torch.Tensor, torch.Tensor> target = torch.nn.Linear(2100, 2500);
        string path = Path.Combine(Fixture.TempFolder(), "wide.pt");
        CheckpointWriter.Write(path, StateDictOrder.Entries(source));
        byte[] weight = System.Runtime.InteropServices.MemoryMarshal.AsBytes(source.state_dict()["weight"].data<float>().ToArray().AsSpan()).ToArray();
        byte[] file = File.ReadAllBytes(path);
        int at = file.AsSpan().IndexOf(weight.AsSpan(0, 256));
        Assert.True(at > 0);
        uint recorded = Crc32.HashToUInt32(weight);
        weight[10_000_000] ^= 0x01; // inside the second piece
        file[at + 10_000_000] ^= 0x01;
        File.WriteAllBytes(path, file);
        string line = $"storage member 'archive/data/0' has CRC-32 {Crc32.HashToUInt32(weight):x8} but the archive records {recorded:x8} (the file is corrupt)";

        using (Checkpoint checkpoint = CheckpointReader.Open(path))
        {
            TransferPlan plan = TransferPlanner.Plan(checkpoint.Specs, ModelSpecs.Of(target), RuleSet.Default);
            Assert.True(checkpoint.Tensors[0].HasParts);
            StringWriter errors = new();
            Assert.Equal(2, CommandErrors.Run(() => PlanApplier.Apply(plan, target, checkpoint).Loaded, errors));
            Assert.Equal($"error: {path}: {line}\n", errors.ToString());

            // Asking again (now whole, by one thread) refuses again: a failed check is never remembered as a pass.
            Assert.Equal(line, Assert.Throws<CheckpointFormatException>(() => checkpoint.Tensors[0].Load().Dispose()).Problem);
        }

        Assert.Equal(line, Assert.Throws<CheckpointFormatException>(() => target.LoadWeights(path)).Problem);
    }
}
