using TorchSharp;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;

namespace Transfer.Applying;

/// <summary>
/// The common case in one call: open a checkpoint, plan it onto a live model by rules, validate, and read
/// the planned tensors straight into the model. The same steps as the explicit API
/// (<see cref="CheckpointReader"/>, <see cref="TransferPlanner"/>, <see cref="PlanApplier"/>).
/// </summary>
public static class ModuleWeights
{
    /// <summary>Loads the tensors of <paramref name="path"/> that the rules match into <paramref name="model"/>, in place.</summary>
    /// <param name="model">The model; its parameters and buffers are the plan's targets.</param>
    /// <param name="path">A <c>.pt</c>/<c>.pth</c>, <c>.safetensors</c> or TorchSharp <c>.dat</c> file.</param>
    /// <param name="rules">The rules; null means <see cref="RuleSet.Default"/> (exact names and shapes).</param>
    /// <param name="stateDictKey">For checkpoint dicts, the entry holding the state dict; null finds it.</param>
    /// <returns>The plan and what was copied.</returns>
    /// <exception cref="TransferPlanException">The plan breaks its rules or does not fit; the model is untouched.</exception>
    /// <exception cref="CheckpointFormatException">
    /// The file is not a readable checkpoint, or its bytes proved corrupt while they were read (a zip member
    /// whose CRC-32 differs from the recorded one): then the model is partly loaded.
    /// </exception>
    public static LoadReport LoadWeights(this torch.nn.Module model, string path, RuleSet? rules = null, string? stateDictKey = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using Checkpoint source = CheckpointReader.Open(path, stateDictKey);
        TransferPlan plan = TransferPlanner.Plan(source.Specs, ModelSpecs.Of(model), rules ?? RuleSet.Default, path, model.GetName());
        ApplyReport applied = PlanApplier.Apply(plan, model, source);
        return new LoadReport(plan, applied);
    }
}
