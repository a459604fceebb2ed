using TorchSharp;
using TorchSharp.Modules;
using Transfer.FineTuning.Config;
using Transfer.Rules;
using Transfer.Rules.Errors;

namespace Transfer.Training;

/// <summary>
/// The optimizer of a run and what each of its parameter groups is: the default group (base LR), one
/// group per <c>param_groups</c> entry that matched something, and one group per <c>unfreeze</c> entry
/// once its epoch comes. Frozen parameters are in no group. The group layout is a pure function of the
/// config and the epoch, which is what lets a resumed run rebuild it before loading the saved state.
/// </summary>
internal sealed class OptimizerGroups : IDisposable
{
    private readonly FineTuneConfig _config;
    private readonly TrainableParameters _trainable;
    private readonly List<OptimizerGroup> _groups = [];

    private OptimizerGroups(FineTuneConfig config, TrainableParameters trainable, torch.optim.Optimizer optimizer)
    {
        _config = config;
        _trainable = trainable;
        Optimizer = optimizer;
    }

    /// <summary>The TorchSharp optimizer.</summary>
    public torch.optim.Optimizer Optimizer { get; }

    /// <summary>The groups, in optimizer order.</summary>
    public IReadOnlyList<OptimizerGroup> Groups => _groups;

    /// <summary>Builds the optimizer as it stands during epoch <paramref name="epoch"/> (unfreezes up to it applied).</summary>
    public static OptimizerGroups Create(FineTuneConfig config, TrainableParameters trainable, int epoch)
    {
        List<OptimizerGroup> groups = [];
        List<ParamGroupConfig> patterns = config.ParamGroups.ToList();
        List<Glob> globs = patterns.Select(p => new Glob(p.Match)).ToList();
        List<string>[] byPattern = patterns.Select(_ => new List<string>()).ToArray();
        List<string> defaults = [];
        foreach ((string name, Parameter _) in trainable.All)
        {
            if (trainable.IsFrozen(name, 1) || trainable.UnfreezeEntry(name, epoch) is not null)
            {
                continue;
            }

            int index = globs.FindIndex(g => g.IsMatch(name));
            (index >= 0 ? byPattern[index] : defaults).Add(name);
        }

        for (int i = 0; i < patterns.Count; i++)
        {
            if (byPattern[i].Count == 0)
            {
                throw new RuleConfigException(
                    $"finetune.param_groups: '{patterns[i].Match}' matches no trainable parameter");
            }
        }

        AddIfAny(groups, "default", config.Optimizer.Lr, defaults);
        for (int i = 0; i < patterns.Count; i++)
        {
            AddIfAny(groups, $"param_groups '{patterns[i].Match}'", patterns[i].Lr, byPattern[i]);
        }

        foreach (UnfreezeConfig u in config.Unfreeze.Where(u => u.Epoch <= epoch))
        {
            AddIfAny(groups, $"unfreeze '{u.Match}' at epoch {u.Epoch}", u.Lr, Released(trainable, u, epoch));
        }

        if (groups.Count == 0)
        {
            throw new RuleConfigException("finetune.freeze: every parameter is frozen, so there is nothing to train");
        }

        Dictionary<string, Parameter> lookup = trainable.All.ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        torch.optim.Optimizer optimizer = Build(config.Optimizer, groups, lookup);
        OptimizerGroups result = new(config, trainable, optimizer);
        result._groups.AddRange(groups);
        return result;
    }

    /// <summary>Adds one group per <c>unfreeze</c> entry of exactly epoch <paramref name="epoch"/>.</summary>
    public IReadOnlyList<OptimizerGroup> AddUnfrozen(int epoch)
    {
        Dictionary<string, Parameter> lookup = _trainable.All.ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        List<OptimizerGroup> added = [];
        foreach (UnfreezeConfig u in _config.Unfreeze.Where(u => u.Epoch == epoch))
        {
            List<string> names = Released(_trainable, u, epoch);
            if (names.Count == 0)
            {
                continue;
            }

            OptimizerGroup group = new($"unfreeze '{u.Match}' at epoch {u.Epoch}", u.Lr, names);
            Optimizer.add_param_group(MakeGroup(_config.Optimizer, group, lookup));
            _groups.Add(group);
            added.Add(group);
        }

        return added;
    }

    /// <summary>Sets every group's learning rate to its base rate times <paramref name="factor"/>.</summary>
    public void ScaleLearningRates(double factor)
    {
        int i = 0;
        foreach (torch.optim.ILearningRateController controller in Optimizer.ParamGroups)
        {
            controller.LearningRate = _groups[i++].BaseLr * factor;
        }
    }

    /// <summary>Sets group i's learning rate to <paramref name="rate"/>(i, its base rate).</summary>
    public void SetLearningRates(Func<int, double, double> rate)
    {
        int i = 0;
        foreach (torch.optim.ILearningRateController controller in Optimizer.ParamGroups)
        {
            controller.LearningRate = rate(i, _groups[i].BaseLr);
            i++;
        }
    }

    /// <summary>Every group's current learning rate, in group order.</summary>
    public IReadOnlyList<double> LearningRates => [.. Optimizer.ParamGroups.Select(g => g.LearningRate)];

    /// <summary>The current learning rate of the first group (the default group when it exists).</summary>
    public double FirstLearningRate => Optimizer.ParamGroups.First().LearningRate;

    /// <inheritdoc />
    public void Dispose() => Optimizer.Dispose();

    private static List<string> Released(TrainableParameters trainable, UnfreezeConfig entry, int epoch) =>
        trainable.All.Select(p => p.Name)
            .Where(n => trainable.IsFrozen(n, 1) && ReferenceEquals(trainable.UnfreezeEntry(n, epoch), entry))
            .ToList();

    private static void AddIfAny(List<OptimizerGroup> groups, string label, double lr, List<string> names)
    {
        if (names.Count > 0)
        {
            groups.Add(new OptimizerGroup(label, lr, names));
        }
    }

    private static torch.optim.Optimizer Build(
        OptimizerConfig o, IReadOnlyList<OptimizerGroup> groups, IReadOnlyDictionary<string, Parameter> lookup) =>
        o.Type switch
        {
            OptimizerType.Sgd => torch.optim.SGD(
                groups.Select(g => (SGD.ParamGroup)MakeGroup(o, g, lookup)), o.Lr, o.Momentum, 0, o.WeightDecay, o.Nesterov),
            OptimizerType.AdamW => torch.optim.AdamW(
                groups.Select(g => (AdamW.ParamGroup)MakeGroup(o, g, lookup)), o.Lr, weight_decay: o.WeightDecay),
            _ => torch.optim.Adam(
                groups.Select(g => (Adam.ParamGroup)MakeGroup(o, g, lookup)), o.Lr, weight_decay: o.WeightDecay),
        };

    private static ParamGroup MakeGroup(OptimizerConfig o, OptimizerGroup g, IReadOnlyDictionary<string, Parameter> lookup)
    {
        List<Parameter> parameters = g.ParameterNames.Select(n => lookup[n]).ToList();
        return o.Type switch
        {
            OptimizerType.Sgd => new SGD.ParamGroup(parameters, g.BaseLr, o.Momentum, 0, o.WeightDecay, o.Nesterov),
            OptimizerType.AdamW => new AdamW.ParamGroup(parameters, g.BaseLr, weight_decay: o.WeightDecay),
            _ => new Adam.ParamGroup(parameters, g.BaseLr, weight_decay: o.WeightDecay),
        };
    }
}

/// <summary>One parameter group of the optimizer, described for reports and logs.</summary>
/// <param name="Label">Where the group comes from (<c>default</c>, a param_groups or unfreeze entry).</param>
/// <param name="BaseLr">Its learning rate before the schedule's factor.</param>
/// <param name="ParameterNames">Its parameters, in model order.</param>
public sealed record OptimizerGroup(string Label, double BaseLr, IReadOnlyList<string> ParameterNames);
