using ScottPlot;
using Transfer.IO;

namespace Transfer.Export;

/// <summary><c>confusion.png</c>: the confusion matrix as a heatmap, true class down, predicted class across.</summary>
public static class ConfusionPlot
{
    /// <summary>The PNG bytes of the heatmap.</summary>
    public static byte[] Render(ClassificationEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        int k = evaluation.Classes;
        double[,] counts = new double[k, k];
        for (int t = 0; t < k; t++)
        {
            for (int p = 0; p < k; p++)
            {
                counts[t, p] = evaluation.Confusion[t, p];
            }
        }

        Plot plot = new();
        plot.Title("Confusion matrix (row: true class, column: predicted)");
        ScottPlot.Plottables.Heatmap heatmap = plot.Add.Heatmap(counts);
        plot.Add.ColorBar(heatmap);

        // The heatmap draws row 0 at the top, at y = k − 1: label each row and column by its class.
        double[] positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        string[] classes = Enumerable.Range(0, k).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        plot.Axes.Bottom.SetTicks(positions, classes);
        plot.Axes.Left.SetTicks(positions.Select(y => k - 1 - y).ToArray(), classes);
        plot.Axes.Bottom.Label.Text = "predicted class";
        plot.Axes.Left.Label.Text = "true class";
        return plot.GetImageBytes(700, 600, ImageFormat.Png);
    }

    /// <summary>Writes the heatmap to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, ClassificationEvaluation evaluation) => AtomicFile.WriteAllBytes(path, Render(evaluation));
}
