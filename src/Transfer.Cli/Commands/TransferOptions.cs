using System.CommandLine;

namespace Transfer.Cli.Commands;

/// <summary>The options <c>plan</c> and <c>apply</c> share, so both verbs read the same.</summary>
internal static class TransferOptions
{
    public static Option<string> Source() => new("--source")
    {
        Description = "The checkpoint to take weights from (.pt/.pth/.bin, .safetensors or TorchSharp .dat, or a shard index or its folder).",
        Required = true,
    };

    public static Option<string> Target() => new("--target")
    {
        Description = "The checkpoint whose names and shapes receive the weights, a built-in model (LeNet5, LeNet6, MLP, ResNet18), or a module type in your assembly (MyModels.dll:MyNamespace.MyNet).",
        Required = true,
    };

    public static Option<string[]> TargetOptions() => new(ModelReference.OptionName)
    {
        Description = "A model option as key=value (classes=10, in_chans=1), or a constructor argument of an assembly's module (lists comma-separated); repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string?> Rules() => new("--rules")
    {
        Description = "A YAML rule file (renames, excludes, shape policies…); default: exact names, shape mismatches skipped.",
    };

    public static Option<string?> Key() => new("--key")
    {
        Description = "The entry of a checkpoint dict that holds the source state dict (default: found automatically).",
    };

    /// <summary>--seed N: a non-negative integer; anything else is a usage error (exit 2) that does not echo the value.</summary>
    public static Option<long?> Seed() => new("--seed")
    {
        Description = "The seed random init policies draw from; overrides the rules' seed (default 0).",
        CustomParser = result =>
        {
            if (result.Tokens.Count == 1
                && long.TryParse(result.Tokens[0].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long seed))
            {
                return seed;
            }

            result.AddError("--seed must be a non-negative integer");
            return null;
        },
    };
}
