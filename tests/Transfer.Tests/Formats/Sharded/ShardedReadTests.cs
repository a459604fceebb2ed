using Transfer.Cli.Commands;
using Transfer.Formats;

namespace Transfer.Tests.Formats.Sharded;

/// <summary>Opening Hugging Face sharded checkpoints: exact tensors, the shards held and closed, one-line refusals.</summary>
public sealed class ShardedReadTests
{
    public static TheoryData<string, string, string[]> Sets => new()
    {
        { ShardFixture.SafeTensorsIndex, "safetensors", ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"] },
        { ShardFixture.BinIndex, "pytorch", ["pytorch_model-00001-of-00003.bin", "pytorch_model-00002-of-00003.bin", "pytorch_model-00003-of-00003.bin"] },
    };

    [Theory]
    [MemberData(nameof(Sets))]
    public void A_three_shard_set_reads_tensor_by_tensor_as_PyTorch_loaded_the_state_dict(string index, string format, string[] shards)
    {
        using Checkpoint checkpoint = CheckpointReader.Open(index);
        Assert.Equal(format, checkpoint.Format);
        Assert.Equal(shards, checkpoint.Shards);
        Assert.Equal(index, checkpoint.Path);
        Dictionary<string, CheckpointTensor> read = checkpoint.Tensors.ToDictionary(t => t.Spec.Name);
        Assert.Equal(ShardFixture.LeNet5.Count, read.Count);
        foreach (ExpectedTensor expected in ShardFixture.LeNet5)
        {
            CheckpointTensor tensor = read[expected.Name];
            Assert.Equal(expected.DType, tensor.Spec.DType);
            Assert.Equal(expected.Shape, tensor.Spec.Shape);
            Assert.Equal(expected.Sha256, tensor.Sha256());
            using TorchSharp.torch.Tensor loaded = tensor.Load();
            Assert.Equal(expected.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(loaded.bytes)));
        }
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void A_folder_holding_one_index_opens_as_that_index(string index, string format, string[] shards)
    {
        using Checkpoint checkpoint = CheckpointReader.Open(Path.GetDirectoryName(index)!);
        Assert.Equal(index, checkpoint.Path);
        Assert.Equal(format, checkpoint.Format);
        Assert.Equal(shards, checkpoint.Shards);
        Assert.Equal(ShardFixture.LeNet5.Select(t => t.Name).Order(StringComparer.Ordinal), checkpoint.Specs.Select(s => s.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Shards_that_are_symlinks_out_of_the_folder_read_like_a_Hugging_Face_cache_snapshot()
    {
        // huggingface_hub's cache keeps snapshots/<rev>/ as symlinks into ../../blobs/: the names stay inside the
        // folder, the bytes may not.
        string snapshot = Fixture.TempFolder();
        string blobs = Path.GetDirectoryName(ShardFixture.SafeTensorsIndex)!;
        foreach (string file in Directory.GetFiles(blobs))
        {
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), file);
        }

        using Checkpoint checkpoint = CheckpointReader.Open(snapshot);
        Dictionary<string, string?> expected = ShardFixture.LeNet5.ToDictionary(t => t.Name, t => t.Sha256);
        Assert.Equal(3, checkpoint.Shards.Count);
        Assert.All(checkpoint.Tensors, t => Assert.Equal(expected[t.Spec.Name], t.Sha256()));
    }

    [Fact]
    public void Tensors_are_listed_shard_by_shard_in_each_shards_file_order()
    {
        using Checkpoint checkpoint = CheckpointReader.Open(ShardFixture.BinIndex);
        Assert.Equal(ShardFixture.LeNet5.Select(t => t.Name), checkpoint.Specs.Select(s => s.Name));
    }

    [Fact]
    public void Disposing_a_sharded_checkpoint_closes_every_shard()
    {
        Checkpoint checkpoint = CheckpointReader.Open(ShardFixture.SafeTensorsIndex);
        CheckpointTensor[] oneFromEachShard = [checkpoint.Tensors.First(t => t.Spec.Name == "conv.0.bias"),
            checkpoint.Tensors.First(t => t.Spec.Name == "fc.1.weight"), checkpoint.Tensors.First(t => t.Spec.Name == "fc.5.bias")];
        Assert.All(oneFromEachShard, t => t.Sha256());
        checkpoint.Dispose();
        Assert.All(oneFromEachShard, t => Assert.Throws<ObjectDisposedException>(() => t.Sha256()));
    }

    [Fact]
    public void Tensors_of_different_shards_load_exactly_from_many_threads_at_once()
    {
        using Checkpoint checkpoint = CheckpointReader.Open(ShardFixture.BinIndex);
        Dictionary<string, string?> expected = ShardFixture.LeNet5.ToDictionary(t => t.Name, t => t.Sha256);
        string[] problems = [.. checkpoint.Tensors.Concat(checkpoint.Tensors).Concat(checkpoint.Tensors)
            .AsParallel().WithDegreeOfParallelism(6)
            .Select(t => (t.Spec.Name, Sha: t.Sha256()))
            .Where(r => r.Sha != expected[r.Name])
            .Select(r => r.Name)];
        Assert.Empty(problems);
    }

    public static TheoryData<string, string> Hostile => new()
    {
        { "missing_shard", "the shard index maps tensor 'c' to 'model-00003-of-00003.safetensors', which does not exist" },
        { "two_shards", "tensor 'a' is in two shards, 'model-00001-of-00003.safetensors' and 'model-00002-of-00003.safetensors'" },
        { "wrong_total", "the shard index's total_size is 76 bytes, but the shards' tensors hold 72" },
        { "escape", "the shard index maps tensor 'c' to '../model-00003-of-00003.safetensors', a path that leaves the index's folder" },
        { "unlisted", "shard 'model-00002-of-00003.safetensors' holds tensor 'd', which the index's weight_map does not list" },
        { "absent", "the shard index maps tensor 'b' to 'model-00003-of-00003.safetensors', but no shard holds it" },
        { "duplicate_key", "the shard index's \"weight_map\" names tensor 'a' twice" },
        { "bad_types", "the shard index's \"total_size\" is not a non-negative integer" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_set_is_refused_with_one_line_naming_its_index(string set, string problem)
    {
        string index = Path.Combine(ShardFixture.Hostile(set), "model.safetensors.index.json");
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(index));
        Assert.Equal($"{index}: {problem}", e.Message);

        StringWriter errors = new();
        StringWriter output = new();
        Assert.Equal(2, CommandErrors.Run(() => InspectCommand.Run(index, "json", hash: true, key: null, output), errors));
        Assert.Equal($"error: {index}: {problem}\n", errors.ToString());
        Assert.Equal("", output.ToString());
    }

    [Theory]
    [InlineData("tied_hub")]
    [InlineData("tied_sum")]
    public void Tied_weights_in_a_bin_set_read_whether_total_size_counts_their_storage_once_or_twice(string set)
    {
        using Checkpoint checkpoint = CheckpointReader.Open(Fixture.Path_(Path.Combine("sharded", set)));
        Assert.Equal(["emb.weight", "head.weight", "head.bias"], checkpoint.Specs.Select(s => s.Name));
        Assert.Equal(checkpoint.Tensors[0].Sha256(), checkpoint.Tensors[1].Sha256());
        System.Text.Json.JsonElement tied = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Fixture.Path_(Path.Combine("sharded", "manifest.json")))).RootElement.GetProperty("tied");
        Assert.All(checkpoint.Tensors, t => Assert.Equal(tied.GetProperty(t.Spec.Name).GetString(), t.Sha256()));
    }

    [Fact]
    public void A_total_size_matching_neither_count_names_both()
    {
        string folder = Fixture.TempFolder();
        foreach (string file in Directory.GetFiles(Fixture.Path_(Path.Combine("sharded", "tied_hub"))))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        string index = Path.Combine(folder, "pytorch_model.bin.index.json");
        File.WriteAllText(index, File.ReadAllText(index).Replace("\"total_size\": 68", "\"total_size\": 69", StringComparison.Ordinal));
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(index));
        Assert.Equal($"{index}: the shard index's total_size is 69 bytes, but the shards' tensors hold 116 (68 counting each shared storage once)", e.Message);
    }

    [Fact]
    public void A_folder_with_two_indexes_is_refused_naming_both()
    {
        string folder = ShardFixture.Hostile("two_indexes");
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(folder));
        Assert.Equal($"{folder}: holds 2 shard indexes ('model.safetensors.index.json', 'other.safetensors.index.json'); name the one to read", e.Message);
    }

    [Fact]
    public void A_folder_without_an_index_is_refused_as_before()
    {
        string folder = Fixture.TempFolder();
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(folder));
        Assert.Equal($"{folder}: is a folder, not a checkpoint file, and holds no shard index (*.safetensors.index.json or *.bin.index.json)", e.Message);
    }

    [Theory]
    [InlineData("/etc/model-00001-of-00001.safetensors", "an absolute path; shards must lie in the index's folder")]
    [InlineData("sub/../../x.safetensors", "a path that leaves the index's folder")]
    [InlineData("", "an empty file name")]
    [InlineData("other.safetensors.index.json", "another index, not a shard")]
    public void A_shard_path_outside_the_folder_is_refused_before_anything_is_opened(string shard, string problem)
    {
        string index = Path.Combine(Fixture.TempFolder(), "model.safetensors.index.json");
        File.WriteAllText(index, $"{{\"metadata\": {{\"total_size\": 4}}, \"weight_map\": {{\"w\": \"{shard}\"}}}}");
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(index));
        Assert.Equal($"{index}: the shard index maps tensor 'w' to '{shard}', {problem}", e.Message);
    }

    [Theory]
    [InlineData("[]", "the shard index is not a JSON object")]
    [InlineData("{\"metadata\": {}}", "the shard index has no \"weight_map\" object")]
    [InlineData("{\"weight_map\": []}", "the shard index's \"weight_map\" is not an object")]
    [InlineData("{\"weight_map\": {\"w\": 3}}", "the shard index maps tensor 'w' to something other than a shard file name")]
    [InlineData("{\"metadata\": 1, \"weight_map\": {}}", "the shard index's \"metadata\" is not an object")]
    [InlineData("{\"metadata\": {\"total_size\": -1}, \"weight_map\": {}}", "the shard index's \"total_size\" is not a non-negative integer")]
    [InlineData("{\"weight_map\": {}, \"weight_map\": {}}", "the shard index names 'weight_map' twice")]
    [InlineData("{\"weight_map\": {", "the shard index is not valid UTF-8 JSON (Expected depth to be zero at the end of the JSON payload)")]
    public void A_malformed_index_is_refused_with_one_line(string json, string problem)
    {
        string index = Path.Combine(Fixture.TempFolder(), "model.safetensors.index.json");
        File.WriteAllText(index, json);
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(index));
        Assert.Equal($"{index}: {problem}", e.Message);
    }

    [Fact]
    public void A_shard_of_the_wrong_format_is_refused()
    {
        string folder = Fixture.TempFolder();
        File.Copy(Fixture.Path_("dtypes.safetensors"), Path.Combine(folder, "model-00001-of-00001.bin"));
        using (Checkpoint single = CheckpointReader.Open(Fixture.Path_("dtypes.safetensors")))
        {
            string map = string.Join(", ", single.Specs.Select(s => $"\"{s.Name}\": \"model-00001-of-00001.bin\""));
            File.WriteAllText(Path.Combine(folder, "model.bin.index.json"), $"{{\"weight_map\": {{{map}}}}}");
        }

        string index = Path.Combine(folder, "model.bin.index.json");
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(index));
        Assert.Equal($"{index}: shard 'model-00001-of-00001.bin' is a safetensors file, but a model.bin.index.json lists pytorch shards", e.Message);
    }

    [Fact]
    public void A_hostile_shard_is_refused_by_its_own_reader_naming_the_shard()
    {
        string folder = Fixture.TempFolder();
        string shard = Path.Combine(folder, "pytorch_model-00001-of-00001.bin");
        File.Copy(Fixture.Bad("os_system.pt"), shard);
        File.WriteAllText(Path.Combine(folder, "pytorch_model.bin.index.json"), "{\"weight_map\": {\"w\": \"pytorch_model-00001-of-00001.bin\"}}");
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(folder));
        Assert.Equal(shard, e.File);
        Assert.Contains("posix.system", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_state_dict_key_is_refused_for_a_sharded_checkpoint()
    {
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(ShardFixture.BinIndex, "model"));
        Assert.Equal($"{ShardFixture.BinIndex}: --key 'model' applies only to PyTorch checkpoint dicts, but this is a sharded checkpoint whose shards hold bare state dicts", e.Message);
    }

    [Fact]
    public void Inspect_names_the_shards_in_its_table_and_json()
    {
        StringWriter table = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(ShardFixture.SafeTensorsIndex, "table", hash: false, key: null, table)));
        string[] lines = table.ToString().Split('\n');
        Assert.Equal("format: safetensors (state dict)", lines[1]);
        Assert.Equal("shards: 3 (model-00001-of-00003.safetensors, model-00002-of-00003.safetensors, model-00003-of-00003.safetensors)", lines[2]);
        Assert.Equal("metadata: format = pt", lines[3]);
        Assert.Equal("10 tensors, 61706 elements", lines[^2]);

        StringWriter json = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(ShardFixture.BinIndex, "json", hash: false, key: null, json)));
        Assert.StartsWith("{\n  \"file\": \"" + ShardFixture.BinIndex + "\",\n  \"format\": \"pytorch\",\n  \"container\": \"state dict\",\n  \"classes\": [],\n  \"shards\": [\n    \"pytorch_model-00001-of-00003.bin\",\n"
            + "    \"pytorch_model-00002-of-00003.bin\",\n    \"pytorch_model-00003-of-00003.bin\"\n  ],\n  \"tensors\": [", json.ToString());
    }

    [SkippableTheory]
    [MemberData(nameof(Sets))]
    public void Inspect_with_hashes_lists_what_PyTorch_reads_from_the_shards(string index, string format, string[] shards)
    {
        Skip.IfNot(PyTorchProcess.Available, "PyTorch is not importable from /usr/bin/python3");
        _ = (format, shards);
        Assert.Equal(ShardFixture.ReadByPyTorch(index), ShardFixture.ReadByInspect(index));
    }
}
