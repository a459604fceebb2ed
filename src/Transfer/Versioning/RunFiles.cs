using System.Text.Json.Nodes;
using Transfer.Data;
using Transfer.Data.Idx;
using Transfer.FineTuning.Config;
using Transfer.Formats;
using Transfer.Formats.Sharded;

namespace Transfer.Versioning;

/// <summary>
/// The <c>files</c> section of a run's <c>report.json</c>: the SHA-256 and size of what the run read (the
/// source checkpoint, the config file, the data) and of every output it wrote, so DVC or Git LFS pipelines
/// can track them. Outputs are the run's final files; <c>checkpoints/</c> (resume state, pruned as training
/// goes) and <c>report.json</c> itself are not listed.
/// </summary>
internal static class RunFiles
{
    /// <summary>The outputs a finished run may write, in the order they are listed (those that exist).</summary>
    public static IReadOnlyList<string> OutputNames { get; } =
        ["config.yaml", "classes.json", "transferred.safetensors", "best.safetensors", "final.safetensors", "metrics.csv", "curves.png", "report.md"];

    /// <summary>
    /// <c>{"source", "config", "data"}</c>: the checkpoint, the config file (null when the config was not read
    /// from a file), and the data: each IDX file, or one <see cref="FolderDigest"/> over an image folder's
    /// <c>train/</c> and <c>val/</c>; null when the caller passed the data as tensors.
    /// </summary>
    public static JsonObject Inputs(RunConfig config, bool dataFromConfig)
    {
        return new JsonObject
        {
            ["source"] = Source(config.Source.Path),
            ["config"] = File.Exists(config.FileName) ? FileRecord.Of(config.FileName, Path.GetFullPath(config.FileName)).ToJson() : null,
            ["data"] = dataFromConfig ? Data(config.Data) : null,
        };
    }

    /// <summary>Every file of <paramref name="names"/> that exists in <paramref name="outDir"/>, with paths relative to it.</summary>
    public static JsonArray Outputs(string outDir, IEnumerable<string> names) =>
        new(names
            .Where(name => File.Exists(Path.Combine(outDir, name)))
            .Select(name => (JsonNode)FileRecord.Of(Path.Combine(outDir, name), name).ToJson())
            .ToArray());

    /// <summary>
    /// The source file's record; for a sharded checkpoint (a shard index or its folder), one
    /// <see cref="FolderDigest"/> over the index and the shards it names, so a changed shard changes it.
    /// </summary>
    private static JsonObject Source(string path)
    {
        if (!Directory.Exists(path) && !ShardedCheckpointWriter.IsIndexPath(path))
        {
            return FileRecord.Of(path, path).ToJson();
        }

        using Checkpoint set = CheckpointReader.Open(path);
        string folder = Path.GetDirectoryName(Path.GetFullPath(set.Path)) ?? ".";
        JsonObject digest = FolderDigest.OfFiles(folder, [Path.GetFileName(set.Path), .. set.Shards]).ToJson();
        digest["path"] = path;
        return digest;
    }

    private static JsonObject Data(DataConfig data)
    {
        if (data.Kind == DataKind.ImageFolder && data.Path is { } folder)
        {
            JsonObject digest = FolderDigest.Of(folder, ["train", "val"]).ToJson();
            digest["kind"] = "imagefolder";
            return digest;
        }

        string directory = FashionMnist.DataDirectory(data.Path);
        return new JsonObject
        {
            ["kind"] = "idx",
            ["path"] = directory,
            ["files"] = new JsonArray(FashionMnist.FileNames
                .Select(name => (JsonNode)FileRecord.Of(Path.Combine(directory, name), name).ToJson())
                .ToArray()),
        };
    }
}
