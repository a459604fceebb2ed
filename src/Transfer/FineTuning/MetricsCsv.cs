using System.Globalization;
using System.Text;
using Transfer.IO;

namespace Transfer.FineTuning;

/// <summary>Writes <c>metrics.csv</c>: a fixed header and one invariant-culture row per epoch.</summary>
internal static class MetricsCsv
{
    public const string Header = "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds";

    /// <summary>The whole file's text for <paramref name="rows"/>.</summary>
    public static string Format(IEnumerable<EpochMetrics> rows)
    {
        StringBuilder text = new();
        text.Append(Header).Append('\n');
        foreach (EpochMetrics r in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Epoch},{R(r.TrainLoss)},{R(r.TrainAcc)},{R(r.ValLoss)},{R(r.ValAcc)},{R(r.Lr)},{r.Seconds.ToString("F3", CultureInfo.InvariantCulture)}\n");
        }

        return text.ToString();
    }

    /// <summary>Replaces <paramref name="path"/> atomically with the rows so far.</summary>
    public static void Write(string path, IEnumerable<EpochMetrics> rows) => AtomicFile.WriteAllText(path, Format(rows));

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
