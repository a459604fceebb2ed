using TorchSharp;
using TorchSharp.Modules;
using Transfer.Models;

namespace Transfer.Freezing;

/// <summary>
/// Freezes parameters by name. <see cref="Apply"/> sets <c>requires_grad</c> on every parameter — false where
/// the spec matches, true elsewhere — so the result depends only on the spec, not on earlier calls.
/// </summary>
public static class Freezer
{
    /// <summary>
    /// Freezes the parameters <paramref name="spec"/> matches and unfreezes the rest. It only executes: a
    /// pattern that matches nothing freezes nothing here, so check patterns first (<see cref="FreezeSpec.Unmatched"/>;
    /// runs and <c>FineTuner.Train</c> do).
    /// </summary>
    public static FreezeReport Apply(torch.nn.Module model, FreezeSpec spec)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);

        Dictionary<string, Parameter> parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        List<FrozenParameter> lines = new(parameters.Count);
        foreach (string name in StateDictOrder.Entries(model).Select(e => e.Key).Where(parameters.ContainsKey))
        {
            Parameter parameter = parameters[name];
            bool frozen = spec.Matches(name);
            parameter.requires_grad = !frozen;
            lines.Add(new FrozenParameter(name, parameter.numel(), frozen));
        }

        return new FreezeReport(lines);
    }

    /// <summary>The parameters still trainable, for handing to an optimizer.</summary>
    public static IEnumerable<Parameter> TrainableParameters(torch.nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.parameters().Where(p => p.requires_grad);
    }
}
