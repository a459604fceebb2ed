using System.Security.Cryptography;
using System.Text.Json;
using Onnx;
using Transfer.Cli.Commands;
using Transfer.Formats;
using Transfer.Formats.Sharded;
using Transfer.Models;

namespace Transfer.Tests.Export;

/// <summary><c>transfer export</c> and <c>evaluate</c> take a sharded checkpoint's folder (or index) as <c>--weights</c>.</summary>
public sealed class ShardedWeightsTests
{
    [Fact]
    public void Export_and_evaluate_take_a_sharded_folder_like_the_single_file_and_record_every_shard()
    {
        string folder = TestFolders.New("export-shards");
        string single = ExportFixtures.Weights(new LeNet6(), 17, Path.Combine(folder, "lenet6.safetensors"));
        string sharded = Directory.CreateDirectory(Path.Combine(folder, "sharded")).FullName;
        string index = Path.Combine(sharded, "model.safetensors.index.json");
        IReadOnlyList<string> shards;
        using (Checkpoint checkpoint = CheckpointReader.Open(single))
        {
            shards = ShardedCheckpointWriter.Write(index, [.. checkpoint.Tensors.Select(t => CheckpointEntry.Of(t.Spec.Name, t))], 60_000);
        }

        Assert.True(shards.Count >= 3, $"{shards.Count} shards");
        string[] shardPaths = [.. shards.Select(s => Path.Combine(sharded, Path.GetFileName(s))).Order(StringComparer.Ordinal)];
        using IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in (string[])[index, .. shardPaths])
        {
            hash.AppendData(File.ReadAllBytes(file));
        }

        string sha = Convert.ToHexStringLower(hash.GetHashAndReset());
        string fromSingle = Path.Combine(folder, "single.onnx");
        string fromShards = Path.Combine(folder, "shards.onnx");
        StringWriter stdout = new();
        StringWriter stderr = new();

        int singleCode = CommandErrors.Run(() => ExportCommand.Run(Request(single, fromSingle), new StringWriter()), stderr);
        int shardsCode = CommandErrors.Run(() => ExportCommand.Run(Request(sharded, fromShards), stdout), stderr);

        Assert.Equal(string.Empty, stderr.ToString());
        Assert.Equal((0, 0), (singleCode, shardsCode));
        Assert.Equal(
            $"wrote {fromShards}: LeNet6, opset 17, input uint8 [batch, 1, 28, 28], output label, weights {index} and its {shards.Count} shards (sha256 {sha})",
            stdout.ToString().Split('\n')[0]);
        ModelProto a = ModelProto.Parser.ParseFrom(File.ReadAllBytes(fromSingle));
        ModelProto b = ModelProto.Parser.ParseFrom(File.ReadAllBytes(fromShards));
        Assert.Equal(sha, b.MetadataProps.Single(p => p.Key == "transfer.source_sha256").Value);
        Assert.Equal(a.Graph, b.Graph); // the same weights, bit for bit

        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(fromShards + ".json"));
        JsonElement weights = record.RootElement.GetProperty("inputs").GetProperty("weights");
        Assert.Equal(index, weights.GetProperty("path").GetString());
        Assert.Equal(Hex(index), weights.GetProperty("sha256").GetString());
        Assert.Equal(
            shardPaths.Select(p => (p, Hex(p), new FileInfo(p).Length)),
            weights.GetProperty("shards").EnumerateArray().Select(s => (s.GetProperty("path").GetString()!, s.GetProperty("sha256").GetString()!, s.GetProperty("size").GetInt64())));

        string data = ExportFixtures.IdxFolder(40, 5);
        StringWriter evalSingle = new();
        StringWriter evalShards = new();
        int e1 = EvaluateCommand.Run(null, "LeNet6", [], single, null, null, data, Path.Combine(folder, "eval1"), evalSingle);
        int e2 = EvaluateCommand.Run(null, "LeNet6", [], index, null, null, data, Path.Combine(folder, "eval2"), evalShards);
        Assert.Equal((0, 0), (e1, e2));
        static string Report(StringWriter w) => w.ToString()[..w.ToString().IndexOf("wrote ", StringComparison.Ordinal)];
        Assert.StartsWith("accuracy 0.", Report(evalShards), StringComparison.Ordinal);
        Assert.Equal(Report(evalSingle), Report(evalShards));
    }

    private static string Hex(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

    private static ExportCommand.Request Request(string weights, string output) =>
        new("LeNet6", [], weights, null, output, 17, "uint8", null, null, "label", null, null);
}
