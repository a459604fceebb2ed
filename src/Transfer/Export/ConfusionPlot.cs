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
        plot.Add.Heatmap(counts);
        return plot.GetImageBytes(700, 600, ImageFormat.Png);
    }

    /// <summary>Writes the heatmap to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, ClassificationEvaluation evaluation) => AtomicFile.WriteAllBytes(path, Render(evaluation));
}
