using Transfer.FineTuning.Config;

namespace Transfer.Training;

/// <summary>
/// Where PyTorch's ReduceLROnPlateau stands (mode from the watched metric: min for val_loss, max for val_acc;
/// threshold mode rel; no cooldown): the best value so far, the epochs since it, and every group's current rate.
/// Saved in each checkpoint's <c>state.json</c>, so a resumed run drops its rates exactly when an uninterrupted
/// one would.
/// </summary>
/// <param name="Best">The best metric so far; null before the first epoch after warmup.</param>
/// <param name="BadEpochs">Epochs since <paramref name="Best"/> improved.</param>
/// <param name="Rates">The rate of each optimizer group, in group order (groups added later start at their base rate).</param>
internal sealed record PlateauState(double? Best, int BadEpochs, IReadOnlyList<double> Rates)
{
    /// <summary>PyTorch's <c>eps</c>: a drop smaller than this is not made.</summary>
    private const double Eps = 1e-8;

    /// <summary>The rate of group <paramref name="group"/>: its current rate, or its base rate if it has none yet.</summary>
    public double Rate(int group, double baseLr) => group < Rates.Count ? Rates[group] : baseLr;

    /// <summary>ReduceLROnPlateau.step(<paramref name="value"/>) for groups with base rates <paramref name="baseLrs"/>.</summary>
    public PlateauState Step(SchedulerConfig scheduler, double value, IReadOnlyList<double> baseLrs)
    {
        bool max = scheduler.Metric == Metric.ValAcc;
        double best = Best ?? (max ? double.NegativeInfinity : double.PositiveInfinity);
        bool better = max ? value > best * (scheduler.Threshold + 1) : value < best * (1 - scheduler.Threshold);
        int bad = better ? 0 : BadEpochs + 1;
        List<double> rates = [.. baseLrs.Select((b, i) => Rate(i, b))];
        if (bad > scheduler.Patience)
        {
            for (int i = 0; i < rates.Count; i++)
            {
                double lowered = Math.Max(rates[i] * scheduler.Factor, scheduler.MinLr);
                if (rates[i] - lowered > Eps)
                {
                    rates[i] = lowered;
                }
            }

            bad = 0;
        }

        return new PlateauState(better ? value : Best, bad, rates);
    }
}
