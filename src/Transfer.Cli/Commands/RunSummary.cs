using System.Globalization;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;

namespace Transfer.Cli.Commands;

/// <summary>The result lines <c>transfer run</c> prints on stdout.</summary>
internal static class RunSummary
{
    /// <summary>The held-out test result, measured once with the best weights; null without a test set.</summary>
    public static string? TestLine(TestEvaluation? test) =>
        test is null
            ? null
            : string.Create(
                CultureInfo.InvariantCulture,
                $"test: accuracy {test.Accuracy:F4}, loss {test.Loss:F4} on {test.Examples} test examples (best.safetensors, epoch {test.Epoch})");

    /// <summary>
    /// Which epoch <c>best.safetensors</c> holds, by the metric that chose it (<c>checkpoint.keep_best</c>),
    /// with that metric's value at that epoch.
    /// </summary>
    public static string BestLine(FineTuneResult training, Metric keepBest)
    {
        string metric = keepBest == Metric.ValLoss ? "val_loss" : "val_acc";
        EpochMetrics? best = training.History.FirstOrDefault(m => m.Epoch == training.BestEpoch);
        if (best is null)
        {
            return $"best: none ({training.History.Count} epochs)";
        }

        double value = keepBest == Metric.ValLoss ? best.ValLoss : best.ValAcc;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"best: epoch {best.Epoch} of {training.History.Count} by {metric} {value:F4} ({(keepBest == Metric.ValLoss ? "lowest" : "highest")}; val_loss {best.ValLoss:F4}, val_acc {best.ValAcc:F4})");
    }
}
