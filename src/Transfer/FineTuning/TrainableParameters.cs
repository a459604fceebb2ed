using TorchSharp;
using Transfer.FineTuning.Config;
using Transfer.Rules.Errors;
using static TorchSharp.torch.nn;

namespace Transfer.FineTuning;

/// <summary>
/// Decides, for each epoch, which parameters train: everything except what <c>freeze</c> matches, until an
/// <c>unfreeze</c> entry releases it. Applies the decision to <c>requires_grad</c> and to module modes
/// (modules whose own parameters are all frozen run in eval mode, unless <c>frozen_bn: train</c> keeps
/// BatchNorm layers training), so frozen tensors — BatchNorm running statistics included — stay bitwise
/// as loaded.
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
        _frozenAtStart = new HashSet<string>(StringComparer.Ordinal);
        foreach (string pattern in config.Freeze)
        {
            NameGlob glob = new(pattern);
            List<string> matched = _parameters.Select(p => p.Name).Where(glob.IsMatch).ToList();
            if (matched.Count == 0)
            {
                throw new RuleConfigException(
                    $"finetune.freeze: '{pattern}' matches no parameter of the model{Hint(pattern)}");
            }

            _frozenAtStart.UnionWith(matched);
        }

        foreach (UnfreezeConfig u in config.Unfreeze)
        {
            NameGlob glob = new(u.Match);
            if (!_frozenAtStart.Any(glob.IsMatch))
            {
                throw new RuleConfigException(
                    $"finetune.unfreeze: '{u.Match}' matches no frozen parameter{Hint(u.Match)}");
            }

            if (u.Epoch > config.Epochs)
            {
                throw new RuleConfigException(
                    $"finetune.unfreeze: '{u.Match}' unfreezes at epoch {u.Epoch}, after the last epoch ({config.Epochs})");
            }
        }
    }

    /// <summary>All parameters in model order.</summary>
    public IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> All => _parameters;

    /// <summary>Whether <paramref name="name"/> is frozen during epoch <paramref name="epoch"/> (1-based).</summary>
    public bool IsFrozen(string name, int epoch) =>
        _frozenAtStart.Contains(name) && UnfreezeEntry(name, epoch) is null;

    /// <summary>The unfreeze entry (first in config order) that releases <paramref name="name"/> by <paramref name="epoch"/>.</summary>
    public UnfreezeConfig? UnfreezeEntry(string name, int epoch) =>
        _frozenAtStart.Contains(name)
            ? _config.Unfreeze.FirstOrDefault(u => u.Epoch <= epoch && new NameGlob(u.Match).IsMatch(name))
            : null;

    /// <summary>Sets <c>requires_grad</c> for epoch <paramref name="epoch"/>.</summary>
    public void ApplyGradients(int epoch)
    {
        foreach ((string name, TorchSharp.Modules.Parameter parameter) in _parameters)
        {
            parameter.requires_grad = !IsFrozen(name, epoch);
        }
    }

    /// <summary>Puts the model in train mode, then fully frozen modules in eval mode, for epoch <paramref name="epoch"/>.</summary>
    public void EnterTraining(int epoch)
    {
        _model.train();
        foreach ((string _, Module module) in _model.named_modules())
        {
            List<string> own = module.named_parameters(recurse: false).Select(p => p.name).ToList();
            if (own.Count == 0)
            {
                continue;
            }

            string prefix = PrefixOf(module);
            bool allFrozen = own.All(n => IsFrozen(prefix + n, epoch));
            bool keepTraining = _config.FrozenBn == FrozenBatchNorm.Train && IsBatchNorm(module);
            if (allFrozen && !keepTraining)
            {
                module.eval();
            }
        }
    }

    private static bool IsBatchNorm(Module module) =>
        module is TorchSharp.Modules.BatchNorm1d or TorchSharp.Modules.BatchNorm2d or TorchSharp.Modules.BatchNorm3d;

    private string PrefixOf(Module module)
    {
        foreach ((string name, Module m) in _model.named_modules())
        {
            if (ReferenceEquals(m, module))
            {
                return name.Length == 0 ? string.Empty : name + ".";
            }
        }

        return string.Empty;
    }

    private string Hint(string pattern)
    {
        List<string> roots = _parameters.Select(p => p.Name.Split('.')[0]).Distinct(StringComparer.Ordinal).ToList();
        string root = pattern.Split('.')[0];
        if (Config.ClosestName.Find(root, roots) is { } near && near != root)
        {
            return $"; did you mean '{near}{pattern[root.Length..]}'?";
        }

        return $" (parameter names start with {string.Join(", ", roots.Select(r => $"'{r}.'"))})";
    }
}
