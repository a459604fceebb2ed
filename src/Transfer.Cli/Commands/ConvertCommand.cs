using System.CommandLine;
using Transfer.Formats;
using Transfer.Formats.Sharded;

namespace Transfer.Cli.Commands;

/// <summary>
/// <c>transfer convert &lt;in&gt; &lt;out&gt;</c>: rewrites a checkpoint in the format of the output's extension,
/// bit for bit, streaming one tensor at a time; the output appears whole or not at all.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        Argument<string> input = new("in") { Description = "The checkpoint to read (format detected from its content)." };
        Argument<string> output = new("out") { Description = "The file to write: .safetensors, .pt/.pth/.bin or .dat, or a shard index (.safetensors.index.json, .bin.index.json) with its shards beside it." };
        Option<string?> key = new("--key") { Description = "The entry of a PyTorch checkpoint dict or NumPy pickle that holds the state dict." };
        Option<bool> allowExpansion = ExpansionOption.Create();
        Option<string?> maxShardSize = ShardSizeOption.Create();
        Command command = new("convert", "Convert a checkpoint between PyTorch, safetensors and TorchSharp formats, single or sharded.") { input, output, key, allowExpansion, maxShardSize };
        command.SetAction(result => CommandErrors.Run(() =>
            Run(result.GetValue(input)!, result.GetValue(output)!, result.GetValue(key), Console.Out, result.GetValue(allowExpansion), result.GetValue(maxShardSize))));
        return command;
    }

    internal static int Run(string input, string output, string? key, TextWriter stdout, bool allowExpansion = false, string? maxShardSize = null)
    {
        string format = CheckpointWriter.FormatOf(output);
        long shardLimit = ShardSizeOption.Resolve(maxShardSize, output);
        using Checkpoint checkpoint = CheckpointReader.Open(input, key, allowExpansion);
        if (ShardedCheckpointWriter.IsIndexPath(output))
        {
            IReadOnlyList<string> shards = ShardedCheckpointWriter.Write(output,
                [.. checkpoint.Tensors.Select(t => CheckpointEntry.Of(t.Spec.Name, t))], shardLimit, checkpoint.Metadata);
            format = $"{format}, {shards.Count} shard{(shards.Count == 1 ? "" : "s")}";
        }
        else
        {
            CheckpointWriter.Write(output, [.. checkpoint.Tensors.Select(t => KeyValuePair.Create(t.Spec.Name, t))], checkpoint.Metadata);
        }

        string from = checkpoint.Shards.Count > 0 ? $"{checkpoint.Format}, {checkpoint.Shards.Count} shards" : checkpoint.Format;
        stdout.WriteLine($"converted {checkpoint.Tensors.Count} tensors from {input} ({from}) to {output} ({format})");
        return CommandErrors.Ok;
    }
}
