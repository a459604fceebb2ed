using System.Globalization;
using System.Text;
using Transfer.IO;

namespace Transfer.FineTuning;

/// <summary>
/// Writes <c>metrics.csv</c>: a fixed header, then one <c>lr_groupN</c> column per optimizer group the run has had
/// (empty before an unfreeze adds the group), and one invariant-culture row per epoch.
/// </summary>
internal static class MetricsCsv
{
    public const string Header = "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds";

    /// <summary>The whole file's text for <paramref name="rows"/>.</summary>
    public static string Format(IEnumerable<EpochMetrics> rows)
    {
        List<EpochMetrics> all = [.. rows];
        int groups = all.Count == 0 ? 0 : all.Max(r => r.GroupLrs.Count);
        StringBuilder text = new();
        text.Append(Header);
        for (int g = 0; g < groups; g++)
        {
            text.Append(CultureInfo.InvariantCulture, $",lr_group{g}");
        }

        text.Append('\n');
        foreach (EpochMetrics r in all)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Epoch},{R(r.TrainLoss)},{R(r.TrainAcc)},{R(r.ValLoss)},{R(r.ValAcc)},{R(r.Lr)},{r.Seconds.ToString("F3", CultureInfo.InvariantCulture)}");
            for (int g = 0; g < groups; g++)
            {
                text.Append(',').Append(g < r.GroupLrs.Count ? R(r.GroupLrs[g]) : string.Empty);
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Replaces <paramref name="path"/> atomically with the rows so far.</summary>
    public static void Write(string path, IEnumerable<EpochMetrics> rows) => AtomicFile.WriteAllText(path, Format(rows));

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
