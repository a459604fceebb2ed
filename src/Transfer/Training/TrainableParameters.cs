using Transfer.FineTuning.Config;
using Transfer.Freezing;
using Transfer.Rules;
using static TorchSharp.torch.nn;

namespace Transfer.Training;

/// <summary>
/// Decides, for each epoch, which parameters train: everything <c>freeze</c> does not match (without freeze
/// patterns: everything the caller left with <c>requires_grad</c>), plus what an
/// <c>unfreeze</c> entry has released by then. Applies the decision with <see cref="Freezer"/> (which sets
/// <c>requires_grad</c> and reports every tensor) and <see cref="TrainMode"/> (frozen BatchNorm layers stay
/// in eval mode under <c>frozen_bn: eval</c>), so frozen tensors — running statistics included — stay
/// bitwise as loaded. The patterns are checked against the model beforehand by <see cref="FineTuning.RunValidator"/>.
/// </summary>
internal sealed class TrainableParameters
{
    private readonly Module _model;
    private readonly FineTuneConfig _config;
    private readonly IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> _parameters;
    private readonly HashSet<string> _frozenAtStart;

    public TrainableParameters(Module model, FineTuneConfig config)
    {
        _model = model;
        _config = config;
        _parameters = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        // Without freeze patterns the caller's freezing stands: what is frozen is what does not require grad now.
        // (RunValidator has checked the freeze and unfreeze patterns against the model.)
        FreezeSpec spec = new(config.Freeze, config.FrozenBn);
        Source = config.Freeze.Count > 0 ? FreezeSource.Patterns : FreezeSource.Model;
        _frozenAtStart = _parameters
            .Where(p => Source == FreezeSource.Patterns ? spec.Matches(p.Name) : !p.Parameter.requires_grad)
            .Select(p => p.Name)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>All parameters in model order.</summary>
    public IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> All => _parameters;

    /// <summary>Whether the config's freeze patterns or the model's own flags decided the freezing.</summary>
    public FreezeSource Source { get; }

    /// <summary>Whether <paramref name="name"/> is frozen during epoch <paramref name="epoch"/> (1-based).</summary>
    public bool IsFrozen(string name, int epoch) =>
        _frozenAtStart.Contains(name) && UnfreezeEntry(name, epoch) is null;

    /// <summary>The unfreeze entry (first in config order) that releases <paramref name="name"/> by <paramref name="epoch"/>.</summary>
    public UnfreezeConfig? UnfreezeEntry(string name, int epoch) =>
        _frozenAtStart.Contains(name)
            ? _config.Unfreeze.FirstOrDefault(u => u.Epoch <= epoch && new Glob(u.Match).IsMatch(name))
            : null;

    /// <summary>Sets <c>requires_grad</c> for epoch <paramref name="epoch"/>; returns what is frozen and what trains.</summary>
    public FreezeReport ApplyGradients(int epoch) =>
        Freezer.Apply(_model, new FreezeSpec(_parameters.Select(p => p.Name).Where(n => IsFrozen(n, epoch)).Select(Escape))) with
        {
            Source = Source,
        };

    /// <summary>
    /// The BatchNorm layers <see cref="EnterTraining"/> keeps in eval mode in every epoch: under <c>frozen_bn: eval</c>,
    /// those with parameters of their own, all frozen even in the last epoch (the frozen set only shrinks).
    /// </summary>
    public IReadOnlySet<string> BatchNormsInEvalThroughout()
    {
        HashSet<string> names = new(StringComparer.Ordinal);
        if (_config.FrozenBn == FrozenBatchNorm.Train)
        {
            return names;
        }

        int last = Math.Max(_config.Epochs, 1);
        foreach ((string name, Module module) in _model.named_modules())
        {
            string[] own = [.. module.named_parameters(recurse: false).Select(p => name.Length == 0 ? p.name : $"{name}.{p.name}")];
            if (TrainMode.IsBatchNorm(module) && own.Length > 0 && own.All(p => IsFrozen(p, last)))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>Puts the model in train mode, frozen BatchNorm layers in eval mode per <c>frozen_bn</c>.</summary>
    public void EnterTraining() => TrainMode.Enter(_model, _config.FrozenBn);

    // Parameter names never contain glob characters, so a name is a glob matching only itself.
    private static string Escape(string name) =>
        name.Contains('*') || name.Contains('?') ? throw new InvalidOperationException($"parameter name '{name}' contains a glob character") : name;
}
