using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Transfer.FineTuning.Config;
using Transfer.Tests.Formats.Sharded;
using Transfer.Versioning;

namespace Transfer.Tests.Versioning;

/// <summary>A run whose source is a sharded checkpoint records one digest over the index and every shard it names.</summary>
public sealed class ShardedSourceRecordTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_sharded_source_is_recorded_as_the_digest_of_its_index_and_shards(bool asFolder)
    {
        string index = ShardFixture.SafeTensorsIndex;
        string folder = Path.GetDirectoryName(index)!;
        string source = asFolder ? folder : index;
        RunConfig config = RunConfigReader.Parse($"source: {{ path: '{source}' }}\ntarget: {{ model: LeNet6 }}\ndata: {{ kind: idx, path: auto }}\nfinetune: {{ epochs: 1 }}\n", "inline.yaml", folder);

        JsonObject record = RunFiles.Inputs(config, dataFromConfig: false)["source"]!.AsObject();

        string[] files = ["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors", "model.safetensors.index.json"];
        string listing = string.Concat(files.Select(f => $"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, f))))}  {f}\n"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(listing))), (string?)record["sha256"]);
        Assert.Equal(4, (long?)record["files"]);
        Assert.Equal(files.Sum(f => new FileInfo(Path.Combine(folder, f)).Length), (long?)record["size"]);
        Assert.Equal(source, (string?)record["path"]);
    }
}
