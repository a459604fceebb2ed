using Microsoft.Extensions.Logging;
using ScottPlot;
using Transfer.IO;

namespace Transfer.FineTuning;

/// <summary>
/// Draws <c>curves.png</c>: train and validation loss (left axis) and accuracy (right axis) by epoch.
/// A chart is a convenience, so a host where SkiaSharp's native library cannot load gets a warning in the
/// log, not a failed run.
/// </summary>
internal static class CurvesPlot
{
    public static byte[] Render(IReadOnlyList<EpochMetrics> history)
    {
        double[] epochs = history.Select(m => (double)m.Epoch).ToArray();
        Plot plot = new();
        plot.Title("Fine-tuning curves");
        plot.Axes.Bottom.Label.Text = "epoch";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Left.Label.Text = "loss";
        plot.Axes.Right.Label.Text = "accuracy";
        Add(plot, epochs, history.Select(m => m.TrainLoss), "train_loss", Colors.Blue, right: false);
        Add(plot, epochs, history.Select(m => m.ValLoss), "val_loss", Colors.Orange, right: false);
        Add(plot, epochs, history.Select(m => m.TrainAcc), "train_acc", Colors.Green, right: true);
        Add(plot, epochs, history.Select(m => m.ValAcc), "val_acc", Colors.Red, right: true);
        plot.ShowLegend(Alignment.MiddleRight);
        return plot.GetImageBytes(900, 500, ImageFormat.Png);
    }

    public static void TryWrite(string path, IReadOnlyList<EpochMetrics> history, ILogger log)
    {
        if (history.Count == 0)
        {
            return;
        }

        try
        {
            AtomicFile.WriteAllBytes(path, Render(history));
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            log.LogWarning("curves.png not written: the plotting library could not load ({Problem})", e.Message);
        }
    }

    private static void Add(Plot plot, double[] xs, IEnumerable<double> ys, string label, Color color, bool right)
    {
        ScottPlot.Plottables.Scatter scatter = plot.Add.Scatter(xs, ys.ToArray(), color);
        scatter.LegendText = label;
        if (right)
        {
            scatter.Axes.YAxis = plot.Axes.Right;
        }
    }
}
