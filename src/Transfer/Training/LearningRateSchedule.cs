using Transfer.FineTuning.Config;

namespace Transfer.Training;

/// <summary>
/// The learning rates of a run, in closed form where PyTorch's schedulers have one, so a resumed run needs no
/// scheduler state beyond <see cref="PlateauState"/> to continue exactly where it stopped. Epochs are 1-based;
/// the first <c>warmup_epochs</c> epochs use PyTorch's LinearLR factor (<c>start + (1 - start) (e-1) / W</c>),
/// and the schedule then runs over the remaining epochs as PyTorch's SequentialLR hands over to it:
/// step <c>gamma^floor(j/step_size)</c>; cosine <c>(1 + cos(pi j / T)) / 2</c> (CosineAnnealingLR, eta_min 0,
/// T_max = T = epochs - W); j = e - 1 - W counts the epochs after warmup. onecycle follows OneCycleLR stepped
/// after every optimizer step (see <see cref="OneCycle"/>); plateau follows ReduceLROnPlateau stepped after every
/// epoch after warmup (see <see cref="PlateauState"/>).
/// </summary>
internal static class LearningRateSchedule
{
    /// <summary>
    /// The factor applied to every group's base rate during epoch <paramref name="epoch"/> (1-based): the
    /// warmup's in warmup epochs; step's or cosine's after it; 1 for none, onecycle and plateau after warmup.
    /// </summary>
    public static double Factor(SchedulerConfig scheduler, int epoch, int epochs)
    {
        int warmup = scheduler.WarmupEpochs;
        if (epoch <= warmup)
        {
            double start = scheduler.WarmupStartFactor;
            return start + ((1 - start) * (epoch - 1) / warmup);
        }

        int j = epoch - 1 - warmup;
        return scheduler.Type switch
        {
            SchedulerType.Step => Math.Pow(scheduler.Gamma, j / scheduler.StepSize),
            SchedulerType.Cosine => (1 + Math.Cos(Math.PI * j / (epochs - warmup))) / 2,
            _ => 1.0,
        };
    }

    /// <summary>Whether epoch <paramref name="epoch"/> is past the warmup (where onecycle and plateau take over).</summary>
    public static bool AfterWarmup(SchedulerConfig scheduler, int epoch) => epoch > scheduler.WarmupEpochs;

    /// <summary>
    /// OneCycleLR's rate at optimizer step <paramref name="step"/> (0-based, counted from the first epoch after
    /// warmup) of <paramref name="totalSteps"/>, for a group whose peak is <paramref name="maxLr"/>: cosine
    /// annealing from <c>max/div_factor</c> up to <c>max</c> over the first <c>pct_start</c> of the steps, then
    /// down to <c>max/div_factor/final_div_factor</c>; no momentum cycling (<c>cycle_momentum=False</c>).
    /// </summary>
    public static double OneCycle(SchedulerConfig scheduler, double maxLr, long step, long totalSteps)
    {
        double initial = maxLr / scheduler.DivFactor;
        double min = initial / scheduler.FinalDivFactor;
        double firstEnd = (scheduler.PctStart * totalSteps) - 1;
        (double from, double to, double start, double end) = step <= firstEnd
            ? (initial, maxLr, 0.0, firstEnd)
            : (maxLr, min, firstEnd, totalSteps - 1.0);
        double pct = end == start ? 1.0 : (step - start) / (end - start);
        double cosOut = Math.Cos(Math.PI * pct) + 1;
        return to + ((from - to) / 2.0 * cosOut);
    }
}
