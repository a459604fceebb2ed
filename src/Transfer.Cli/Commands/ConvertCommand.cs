using System.CommandLine;
using Transfer.Formats;

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
        Argument<string> output = new("out") { Description = "The file to write: .safetensors, .pt/.pth/.bin or .dat." };
        Option<string?> key = new("--key") { Description = "The entry of a PyTorch checkpoint dict or NumPy pickle that holds the state dict." };
        Option<bool> allowExpansion = ExpansionOption.Create();
        Command command = new("convert", "Convert a checkpoint between PyTorch, safetensors and TorchSharp formats.") { input, output, key, allowExpansion };
        command.SetAction(result => CommandErrors.Run(() =>
            Run(result.GetValue(input)!, result.GetValue(output)!, result.GetValue(key), Console.Out, result.GetValue(allowExpansion))));
        return command;
    }

    internal static int Run(string input, string output, string? key, TextWriter stdout, bool allowExpansion = false)
    {
        string format = CheckpointWriter.FormatOf(output);
        using Checkpoint checkpoint = CheckpointReader.Open(input, key, allowExpansion);
        CheckpointWriter.Write(output, [.. checkpoint.Tensors.Select(t => KeyValuePair.Create(t.Spec.Name, t))], checkpoint.Metadata);
        stdout.WriteLine($"converted {checkpoint.Tensors.Count} tensors from {input} ({checkpoint.Format}) to {output} ({format})");
        return CommandErrors.Ok;
    }
}
