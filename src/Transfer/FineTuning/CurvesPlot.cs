using Microsoft.Extensions.Logging;
using ScottPlot;
using Transfer.IO;

namespace Transfer.FineTuning;

/// <summary>
/// <c>curves.png</c>: training and validation loss (top panel) and accuracy (bottom panel) by epoch, two
/// stacked plots sharing one epoch axis, each epoch a marked point so a one-epoch run still shows its values.
/// Rendered by ScottPlot without any UI.
/// </summary>
internal static class CurvesPlot
{
    /// <summary>The PNG bytes for <paramref name="history"/> (at least one epoch).</summary>
    public static byte[] Render(IReadOnlyList<EpochMetrics> history) =>
        Figure(history).Render(Width, Height).GetImageBytes(ImageFormat.Png);

    /// <summary>The image's width in pixels.</summary>
    public const int Width = 900;

    /// <summary>The image's height in pixels.</summary>
    public const int Height = 700;

    /// <summary>The figure: loss above accuracy, sharing the epoch axis.</summary>
    internal static Multiplot Figure(IReadOnlyList<EpochMetrics> history)
    {
        double[] epochs = history.Select(m => (double)m.Epoch).ToArray();
        Multiplot figure = new();
        figure.AddPlots(2);
        figure.Layout = new ScottPlot.MultiplotLayouts.Rows();
        Plot loss = figure.GetPlot(0);
        Plot accuracy = figure.GetPlot(1);
        // Loss usually falls and accuracy rises, so their legends sit in the corners the curves leave empty.
        Panel(loss, "loss", epochs, history.Select(m => m.TrainLoss), history.Select(m => m.ValLoss), "train_loss", "val_loss", Alignment.UpperRight);
        Panel(accuracy, "accuracy", epochs, history.Select(m => m.TrainAcc), history.Select(m => m.ValAcc), "train_acc", "val_acc", Alignment.LowerRight);
        loss.Axes.Bottom.Label.Text = string.Empty;
        accuracy.Axes.Bottom.Label.Text = "epoch";
        figure.SharedAxes.ShareX([loss, accuracy]);
        return figure;
    }

    /// <summary>Writes <c>curves.png</c>; a plotting library that cannot load is a warning, not a failed run.</summary>
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

    private static void Panel(
        Plot plot, string title, double[] epochs, IEnumerable<double> train, IEnumerable<double> validation, string trainLabel,
        string validationLabel, Alignment legend)
    {
        // The same fixed frame in both panels lines their epoch axes up exactly.
        plot.Layout.Fixed(new PixelPadding(80, 20, 45, 15));
        plot.Axes.Left.Label.Text = title;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        Series(plot, epochs, train.ToArray(), trainLabel, Colors.Blue);
        Series(plot, epochs, validation.ToArray(), validationLabel, Colors.OrangeRed);
        plot.ShowLegend(legend);
        plot.Axes.Margins(horizontal: 0, vertical: 0.12);
        plot.Axes.AutoScale();

        // Half an epoch of room on each side, so the first and last points (and a lone one) sit inside the frame.
        plot.Axes.SetLimitsX(epochs.Min() - 0.5, epochs.Max() + 0.5);
        AxisLimits limits = plot.Axes.GetLimits();
        if (limits.Top - limits.Bottom < 1e-9)
        {
            double pad = Math.Max(Math.Abs(limits.Top) * 0.1, 0.05);
            plot.Axes.SetLimitsY(limits.Bottom - pad, limits.Top + pad);
        }
    }

    private static void Series(Plot plot, double[] xs, double[] ys, string label, Color color)
    {
        ScottPlot.Plottables.Scatter scatter = plot.Add.Scatter(xs, ys, color);
        scatter.LegendText = label;
        scatter.MarkerShape = MarkerShape.FilledCircle;
        scatter.MarkerSize = 8;
        scatter.LineWidth = 2;
    }
}
