using TorchSharp;
using TorchSharp.Modules;

namespace Transfer.Freezing;

/// <summary>
/// Puts a model into training mode while keeping frozen BatchNorm layers in eval mode. A BatchNorm layer
/// counts as frozen when it has parameters and none of them requires a gradient; in eval mode it normalizes
/// with its stored statistics and never updates them, so frozen really means unchanged.
/// </summary>
public static class TrainMode
{
    /// <summary>Calls <c>model.train()</c>, then (under <see cref="FrozenBatchNorm.Eval"/>) <c>eval()</c> on each frozen BatchNorm layer.</summary>
    /// <returns>The names of the layers kept in eval mode, in module order.</returns>
    public static IReadOnlyList<string> Enter(torch.nn.Module model, FrozenBatchNorm policy = FrozenBatchNorm.Eval)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.train();
        List<string> kept = new();
        if (policy == FrozenBatchNorm.Train)
        {
            return kept;
        }

        foreach ((string name, torch.nn.Module module) in model.named_modules())
        {
            if (IsBatchNorm(module) && IsFrozen(module))
            {
                module.eval();
                kept.Add(name);
            }
        }

        return kept;
    }

    /// <summary>Whether <paramref name="module"/> is a BatchNorm layer this policy applies to.</summary>
    internal static bool IsBatchNorm(torch.nn.Module module) =>
        module is BatchNorm1d or BatchNorm2d or BatchNorm3d;

    private static bool IsFrozen(torch.nn.Module module)
    {
        Parameter[] own = module.parameters(recurse: false).ToArray();
        return own.Length > 0 && own.All(p => !p.requires_grad);
    }
}
