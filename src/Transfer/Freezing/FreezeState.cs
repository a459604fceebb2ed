using TorchSharp;
using TorchSharp.Modules;
using Transfer.Models;

namespace Transfer.Freezing;

/// <summary>Reports a model's freezing as its <c>requires_grad</c> flags stand, changing nothing.</summary>
internal static class FreezeState
{
    /// <summary>Every parameter in state-dict order, frozen when it does not require grad.</summary>
    public static FreezeReport Of(torch.nn.Module model)
    {
        Dictionary<string, Parameter> parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        List<FrozenParameter> lines = StateDictOrder.Entries(model).Select(e => e.Key).Where(parameters.ContainsKey)
            .Select(name => new FrozenParameter(name, parameters[name].numel(), !parameters[name].requires_grad))
            .ToList();
        return new FreezeReport(lines) { Source = FreezeSource.Model };
    }
}
