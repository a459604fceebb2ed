using TorchSharp;
using Transfer.Models;
using Transfer.Transfers;

namespace Transfer.Cli.Commands;

/// <summary>
/// A model as the command line names it (<c>--target</c>, <c>--model</c>) with its <c>key=value</c> options: a
/// module type in a user assembly (<c>MyModels.dll:MyNamespace.MyNet</c>, options as constructor arguments by
/// name) or a built-in model (<c>ResNet18</c>, options as the registry's); for <c>--target</c>, also a checkpoint file.
/// </summary>
internal static class ModelReference
{
    public const string OptionName = "--target-option";

    /// <summary>Opens the target side of a transfer: a checkpoint file, or a model built with <c>--target-option</c>s.</summary>
    /// <param name="target">A checkpoint file or a model reference.</param>
    /// <param name="optionPairs">The <c>key=value</c> model options.</param>
    /// <param name="initSeed">
    /// For a model, the seed its parameters are drawn from (<see cref="StateDictSide.OfNewModel"/>); null leaves the
    /// constructor's values.
    /// </param>
    public static StateDictSide OpenTarget(string target, IReadOnlyList<string> optionPairs, long? initSeed = null)
    {
        Dictionary<string, string> options = ModelArguments.Options(optionPairs, OptionName);
        if (File.Exists(target) && !IsAssemblyFile(target))
        {
            return options.Count == 0
                ? StateDictSide.Open(target)
                : throw new ModelArguments.Invalid($"{OptionName} applies to a model, not to the checkpoint {target}.");
        }

        if (IsAssemblyFile(target) || AssemblyReference(target) is not null || ModelRegistry.Names.Contains(target, StringComparer.OrdinalIgnoreCase))
        {
            torch.nn.Module model = Create(target, options, OptionName);
            return initSeed is long seed ? StateDictSide.OfNewModel(model, target, seed) : StateDictSide.OfModel(model, target);
        }

        return StateDictSide.Open(target); // neither a file nor a model: its one-line "no such file" error
    }

    /// <summary>A fresh model: <c>file.dll:Namespace.Type</c> with constructor arguments, or a registered name with its options.</summary>
    public static torch.nn.Module Create(string model, IReadOnlyDictionary<string, string> options, string optionName)
    {
        if (AssemblyReference(model) is (string path, string type))
        {
            return new AssemblyModel(path, type, options.ToDictionary(o => o.Key, o => ModelArgument.Scalar(o.Value), StringComparer.Ordinal)).Create();
        }

        if (IsAssemblyFile(model))
        {
            throw new ModelArguments.Invalid($"{model} is an assembly: name the module type in it as {model}:Namespace.Type.");
        }

        return ModelRegistry.Create(model, options);
    }

    /// <summary><c>(path, type)</c> for <c>path.dll:Type</c> (split at the last colon), else null.</summary>
    private static (string Path, string Type)? AssemblyReference(string text)
    {
        int colon = text.LastIndexOf(':');
        return colon > 0 && colon < text.Length - 1 && IsAssemblyFile(text[..colon]) ? (text[..colon], text[(colon + 1)..]) : null;
    }

    private static bool IsAssemblyFile(string path) => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
}
