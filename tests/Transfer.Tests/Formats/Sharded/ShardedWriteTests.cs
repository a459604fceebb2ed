using Transfer.Cli.Commands;
using Transfer.Formats;
using Transfer.Formats.Sharded;
using static TorchSharp.torch;

namespace Transfer.Tests.Formats.Sharded;

/// <summary>Writing Hugging Face sharded checkpoints: names, splits, the index, atomic commits and refusals.</summary>
public sealed class ShardedWriteTests
{
    [Theory]
    [InlineData("500MB", 500_000_000L)]
    [InlineData("5GB", 5_000_000_000L)]
    [InlineData("1.5GB", 1_500_000_000L)]
    [InlineData("100KB", 100_000L)]
    [InlineData("100kB", 100_000L)]
    [InlineData("512MiB", 536_870_912L)]
    [InlineData("1GiB", 1_073_741_824L)]
    [InlineData("2KiB", 2048L)]
    [InlineData("1000", 1000L)]
    [InlineData("7B", 7L)]
    public void Shard_sizes_parse_as_Hugging_Face_counts_them(string text, long bytes) =>
        Assert.Equal(bytes, ShardedCheckpointWriter.ParseSize(text));

    [Theory]
    [InlineData("5gb", "'5gb' is not a size: write bytes with a capital B (500MB, 5GB, 1.5GB, 100KB, 512MiB); Hugging Face reads a small b as bits")]
    [InlineData("5TB", "'5TB' is not a size: use a number and B, KB, MB, GB, KiB, MiB or GiB (500MB, 5GB)")]
    [InlineData("five GB", "'five GB' is not a size: use a number and B, KB, MB, GB, KiB, MiB or GiB (500MB, 5GB)")]
    [InlineData("0MB", "'0MB' is not a usable shard size: it must be at least 1 byte and at most 9223372036854775807 bytes")]
    [InlineData("-5MB", "'-5MB' is not a size: use a number and B, KB, MB, GB, KiB, MiB or GiB (500MB, 5GB)")]
    [InlineData("99999999999GB", "'99999999999GB' is not a usable shard size: it must be at least 1 byte and at most 9223372036854775807 bytes")]
    public void A_malformed_shard_size_is_refused_with_one_sentence(string text, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => ShardedCheckpointWriter.ParseSize(text)).Message);

    [Fact]
    public void Tensors_fill_shards_in_order_and_one_larger_than_the_limit_gets_its_own()
    {
        WritableTensor[] tensors = [Fake("a", 40), Fake("b", 50), Fake("c", 30), Fake("big", 500), Fake("d", 100), Fake("e", 1)];
        List<List<WritableTensor>> groups = ShardedCheckpointWriter.Split(tensors, 100);
        Assert.Equal(["a,b", "c", "big", "d", "e"], groups.Select(g => string.Join(",", g.Select(t => t.Name))));
        Assert.Single(ShardedCheckpointWriter.Split([], 100));
    }

    [Fact]
    public void Convert_to_an_index_writes_Hugging_Face_named_shards_and_a_sorted_index()
    {
        string folder = Fixture.TempFolder();
        string index = Path.Combine(folder, "lenet5.safetensors.index.json");
        StringWriter stdout = new();
        Assert.Equal(0, CommandErrors.Run(() => ConvertCommand.Run(Fixture.Path_("checkpoint.pt"), index, null, stdout, maxShardSize: "100KB")));
        Assert.Equal($"converted 10 tensors from {Fixture.Path_("checkpoint.pt")} (pytorch) to {index} (safetensors, 3 shards)\n", stdout.ToString());
        Assert.Equal(["lenet5-00001-of-00003.safetensors", "lenet5-00002-of-00003.safetensors", "lenet5-00003-of-00003.safetensors", "lenet5.safetensors.index.json"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        string s1 = "lenet5-00001-of-00003.safetensors", s2 = "lenet5-00002-of-00003.safetensors", s3 = "lenet5-00003-of-00003.safetensors";
        Assert.Equal(
            "{\n  \"metadata\": {\n    \"total_size\": 246824\n  },\n  \"weight_map\": {\n" +
            $"    \"conv.0.bias\": \"{s1}\",\n    \"conv.0.weight\": \"{s1}\",\n    \"conv.3.bias\": \"{s1}\",\n    \"conv.3.weight\": \"{s1}\",\n" +
            $"    \"fc.1.bias\": \"{s3}\",\n    \"fc.1.weight\": \"{s2}\",\n    \"fc.3.bias\": \"{s3}\",\n    \"fc.3.weight\": \"{s3}\",\n" +
            $"    \"fc.5.bias\": \"{s3}\",\n    \"fc.5.weight\": \"{s3}\"\n  }}\n}}\n",
            File.ReadAllText(index));

        using Checkpoint source = CheckpointReader.Open(Fixture.Path_("checkpoint.pt"));
        using Checkpoint written = CheckpointReader.Open(index);
        Assert.Equal(source.Specs.Select(s => s.Name), written.Specs.Select(s => s.Name));
        Assert.Equal(source.Tensors.Select(t => t.Sha256()), written.Tensors.Select(t => t.Sha256()));
        Assert.Equal("pt", written.Metadata["format"]);
        Assert.Empty(Directory.GetFiles(folder, "*.transfer-tmp"));
    }

    [Fact]
    public void Rewriting_a_set_with_fewer_shards_leaves_only_the_new_set()
    {
        string folder = Fixture.TempFolder();
        string index = Path.Combine(folder, "model.bin.index.json");
        string unrelated = Path.Combine(folder, "other-00001-of-00002.bin");
        File.WriteAllText(unrelated, "not ours");
        Assert.Equal(0, CommandErrors.Run(() => ConvertCommand.Run(ShardFixture.SafeTensorsIndex, index, null, new StringWriter(), maxShardSize: "20KB")));
        string[] older = Directory.GetFiles(folder, "model-*.bin");
        Assert.Equal(5, older.Length);
        Assert.All(older, f => Assert.EndsWith("-of-00005.bin", f, StringComparison.Ordinal));

        Assert.Equal(0, CommandErrors.Run(() => ConvertCommand.Run(ShardFixture.SafeTensorsIndex, index, null, new StringWriter(), maxShardSize: "100KB")));
        Assert.Equal(["model-00001-of-00003.bin", "model-00002-of-00003.bin", "model-00003-of-00003.bin", "model.bin.index.json", "other-00001-of-00002.bin"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using Checkpoint written = CheckpointReader.Open(folder);
        Assert.Equal(3, written.Shards.Count);
    }

    [Fact]
    public void Rewriting_a_set_with_the_same_shard_count_replaces_it_whole()
    {
        string folder = Fixture.TempFolder();
        string index = Path.Combine(folder, "model.safetensors.index.json");
        using (Tensor a = ones(30), b = zeros(30))
        {
            ShardedCheckpointWriter.Write(index, [CheckpointEntry.Of("a", a), CheckpointEntry.Of("b", b)], 120);
        }

        using (Tensor a = full(30, 2f), b = full(30, 3f))
        {
            ShardedCheckpointWriter.Write(index, [CheckpointEntry.Of("a", a), CheckpointEntry.Of("b", b)], 120);
        }

        using Checkpoint written = CheckpointReader.Open(index);
        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"], written.Shards);
        using Tensor readB = written.Tensors[1].Load();
        Assert.Equal(3f, readB[0].item<float>());
        Assert.Equal(3, Directory.GetFiles(folder).Length); // no backup of the replaced shards is left
    }

    [Fact]
    public void A_commit_stopped_between_shard_renames_leaves_the_old_set_readable_and_the_next_write_removes_its_backups()
    {
        string folder = Fixture.TempFolder(), elsewhere = Fixture.TempFolder();
        string index = Path.Combine(folder, "model.safetensors.index.json");
        using (Tensor a = ones(30), b = zeros(30))
        {
            ShardedCheckpointWriter.Write(index, [CheckpointEntry.Of("a", a), CheckpointEntry.Of("b", b)], 120);
        }

        // The same set with new values, committed over the old one by its files' bytes, stopped after the first shard's rename.
        using (Tensor a = full(30, 2f), b = full(30, 3f))
        {
            ShardedCheckpointWriter.Write(Path.Combine(elsewhere, "model.safetensors.index.json"), [CheckpointEntry.Of("a", a), CheckpointEntry.Of("b", b)], 120);
        }

        string[] names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"];
        List<(string, Action<Stream>)> files = [.. names.Select(n => (Path.Combine(folder, n), (Action<Stream>)(s => s.Write(File.ReadAllBytes(Path.Combine(elsewhere, n))))))];
        IOException e = Assert.Throws<IOException>(() => ShardSetCommit.Write(index, "model", ".safetensors", files, renamed =>
        {
            if (renamed == 1)
            {
                throw new IOException("power cut");
            }
        }));
        Assert.Equal("power cut", e.Message);
        Assert.Equal(File.ReadAllBytes(Path.Combine(elsewhere, names[0])), File.ReadAllBytes(Path.Combine(folder, names[0]))); // replaced already

        using (Checkpoint old = CheckpointReader.Open(index))
        {
            Assert.All(old.Shards, s => Assert.EndsWith(ShardSetCommit.BackupExtension, s, StringComparison.Ordinal));
            Assert.Equal([1f, 0f], old.Tensors.Select(t => { using Tensor v = t.Load(); return v[0].item<float>(); }));
        }

        using (Tensor a = full(30, 4f), b = full(30, 5f))
        {
            ShardedCheckpointWriter.Write(index, [CheckpointEntry.Of("a", a), CheckpointEntry.Of("b", b)], 120);
        }

        using Checkpoint written = CheckpointReader.Open(index);
        Assert.Equal(names[..2], written.Shards);
        Assert.Equal([4f, 5f], written.Tensors.Select(t => { using Tensor v = t.Load(); return v[0].item<float>(); }));
        Assert.Equal(names.Order(StringComparer.Ordinal), Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_old_set_and_no_temps()
    {
        string folder = Fixture.TempFolder();
        string index = Path.Combine(folder, "model.safetensors.index.json");
        Assert.Equal(0, CommandErrors.Run(() => ConvertCommand.Run(ShardFixture.SafeTensorsIndex, index, null, new StringWriter(), maxShardSize: "100KB")));
        Dictionary<string, byte[]> before = Directory.GetFiles(folder).ToDictionary(f => f, File.ReadAllBytes);

        WritableTensor fine = Fake("a", 8);
        WritableTensor failing = new("b", DType.FromName("float32")!, [2], 8, _ => throw new IOException("disk full"));
        IOException e = Assert.Throws<IOException>(() => ShardedCheckpointWriter.Write(index, [fine, Fake("c", 8), failing], 8, null));
        Assert.Equal("disk full", e.Message);
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(folder).Order());
        Assert.All(before, f => Assert.Equal(f.Value, File.ReadAllBytes(f.Key)));
    }

    [Fact]
    public void A_state_dict_the_format_cannot_hold_is_refused_before_any_file_is_written()
    {
        string folder = Fixture.TempFolder();
        string index = Path.Combine(folder, "model.safetensors.index.json");
        using Tensor t = ones(2);
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() =>
            ShardedCheckpointWriter.Write(index, [CheckpointEntry.Of("a", t), CheckpointEntry.Of("__metadata__", t)], 4));
        Assert.Equal($"{index}: safetensors reserves the name '__metadata__' for the header's metadata, so a tensor of that name cannot be written; rename it or choose another output format", e.Message);
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Theory]
    [InlineData("model.index.json", "a shard index must be named *.safetensors.index.json or *.bin.index.json")]
    [InlineData(".safetensors.index.json", "a shard index needs a name before '.safetensors.index.json' (such as model.safetensors.index.json)")]
    public void An_index_name_that_says_no_shard_format_is_refused(string name, string problem)
    {
        string folder = Fixture.TempFolder();
        string index = Path.Combine(folder, name);
        StringWriter errors = new();
        Assert.Equal(2, CommandErrors.Run(() => ConvertCommand.Run(ShardFixture.BinIndex, index, null, new StringWriter()), errors));
        Assert.Equal($"error: {index}: {problem}\n", errors.ToString());
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public void Max_shard_size_with_a_single_file_output_is_refused_and_nothing_is_written()
    {
        string folder = Fixture.TempFolder();
        string output = Path.Combine(folder, "out.safetensors");
        StringWriter errors = new();
        Assert.Equal(2, CommandErrors.Run(() => ConvertCommand.Run(ShardFixture.BinIndex, output, null, new StringWriter(), maxShardSize: "1GB"), errors));
        Assert.Equal($"error: {output}: --max-shard-size applies only to a sharded output, whose name ends in .safetensors.index.json or .bin.index.json\n", errors.ToString());

        errors = new StringWriter();
        Assert.Equal(2, CommandErrors.Run(() => ApplyCommand.Run(ShardFixture.BinIndex, "LeNet6", null, null, output, new StringWriter(), maxShardSize: "1GB"), errors));
        Assert.Equal($"error: {output}: --max-shard-size applies only to a sharded output, whose name ends in .safetensors.index.json or .bin.index.json\n", errors.ToString());
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public void A_sharded_set_converts_to_one_file_exactly()
    {
        string output = Path.Combine(Fixture.TempFolder(), "merged.pt");
        Assert.Equal(0, CommandErrors.Run(() => ConvertCommand.Run(Path.GetDirectoryName(ShardFixture.SafeTensorsIndex)!, output, null, new StringWriter())));
        using Checkpoint merged = CheckpointReader.Open(output);
        Assert.Equal(
            ShardFixture.LeNet5.Select(t => (t.Name, t.Sha256)).Order(),
            merged.Tensors.Select(t => (t.Spec.Name, (string?)t.Sha256())).Order());
    }

    private static WritableTensor Fake(string name, long bytes) =>
        new(name, DType.FromName("uint8")!, [bytes], bytes, s => s.Write(new byte[bytes]));
}
