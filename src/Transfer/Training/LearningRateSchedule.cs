using Transfer.FineTuning.Config;

namespace Transfer.Training;

/// <summary>
/// The learning-rate factor of each epoch, in closed form: a pure function of the epoch, so a resumed
/// run needs no scheduler state to continue exactly where it stopped. Step: <c>gamma^floor((e-1)/step)</c>;
/// cosine: <c>(1 + cos(pi (e-1) / epochs)) / 2</c> (PyTorch's CosineAnnealingLR with eta_min 0, stepped per
/// epoch).
/// </summary>
internal static class LearningRateSchedule
{
    /// <summary>The factor applied to every group's base rate during epoch <paramref name="epoch"/> (1-based).</summary>
    public static double Factor(SchedulerConfig scheduler, int epoch, int epochs) => scheduler.Type switch
    {
        SchedulerType.Step => Math.Pow(scheduler.Gamma, (epoch - 1) / scheduler.StepSize),
        SchedulerType.Cosine => (1 + Math.Cos(Math.PI * (epoch - 1) / epochs)) / 2,
        _ => 1.0,
    };
}
