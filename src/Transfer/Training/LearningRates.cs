using Transfer.FineTuning.Config;

namespace Transfer.Training;

/// <summary>
/// Sets a run's learning rates on its <see cref="OptimizerGroups"/> as <see cref="LearningRateSchedule"/> and
/// <see cref="PlateauState"/> define them: at each epoch's start (warmup, step, cosine, plateau's current rates,
/// or onecycle's first step) and, for onecycle, before every optimizer step.
/// </summary>
internal sealed class LearningRates
{
    private readonly SchedulerConfig _schedule;
    private readonly int _epochs;
    private readonly int _stepsPerEpoch;
    private readonly long _totalSteps;

    /// <summary>The rates of a run of <paramref name="epochs"/> epochs of <paramref name="stepsPerEpoch"/> optimizer steps each.</summary>
    public LearningRates(SchedulerConfig schedule, int epochs, int stepsPerEpoch)
    {
        _schedule = schedule;
        _epochs = epochs;
        _stepsPerEpoch = stepsPerEpoch;
        _totalSteps = (long)(epochs - schedule.WarmupEpochs) * stepsPerEpoch;
    }

    /// <summary>
    /// Sets every group's rate for the start of epoch <paramref name="epoch"/> (1-based) and returns what must set
    /// them before each of its optimizer steps (onecycle after warmup), or null when they stay for the epoch.
    /// </summary>
    public Action<int>? StartEpoch(OptimizerGroups groups, int epoch, PlateauState? plateau)
    {
        bool afterWarmup = LearningRateSchedule.AfterWarmup(_schedule, epoch);
        if (_schedule.Type == SchedulerType.OneCycle && afterWarmup)
        {
            long first = (long)(epoch - 1 - _schedule.WarmupEpochs) * _stepsPerEpoch;
            void AtStep(int step) =>
                groups.SetLearningRates((_, baseLr) => LearningRateSchedule.OneCycle(_schedule, baseLr, first + step, _totalSteps));
            AtStep(0);
            return AtStep;
        }

        if (_schedule.Type == SchedulerType.Plateau && afterWarmup && plateau is not null)
        {
            groups.SetLearningRates(plateau.Rate);
        }
        else
        {
            groups.ScaleLearningRates(LearningRateSchedule.Factor(_schedule, epoch, _epochs));
        }

        return null;
    }

    /// <summary>
    /// The plateau schedule's state after epoch <paramref name="epoch"/> measured <paramref name="metrics"/>:
    /// stepped with the watched metric after warmup; unchanged before it and for other schedules.
    /// </summary>
    public PlateauState? EndEpoch(OptimizerGroups groups, int epoch, PlateauState? plateau, Func<Metric, double> metrics) =>
        _schedule.Type == SchedulerType.Plateau && LearningRateSchedule.AfterWarmup(_schedule, epoch)
            ? (plateau ?? new PlateauState(null, 0, [])).Step(_schedule, metrics(_schedule.Metric), [.. groups.Groups.Select(g => g.BaseLr)])
            : plateau;
}
