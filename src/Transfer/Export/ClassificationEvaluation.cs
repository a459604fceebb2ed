namespace Transfer.Export;

/// <summary>
/// How a classifier did on labelled data: accuracy, the confusion matrix (row = true class, column =
/// predicted class) and each class's precision and recall (NaN when the class was never predicted, or
/// never present).
/// </summary>
public sealed record ClassificationEvaluation
{
    private ClassificationEvaluation(long[,] confusion) => Confusion = confusion;

    /// <summary>Counts of (true class, predicted class) pairs.</summary>
    public long[,] Confusion { get; }

    /// <summary>The number of classes (the matrix is this many rows and columns).</summary>
    public int Classes => Confusion.GetLength(0);

    /// <summary>The number of examples.</summary>
    public long Examples => Enumerable.Range(0, Classes).Sum(t => Enumerable.Range(0, Classes).Sum(p => Confusion[t, p]));

    /// <summary>The fraction of examples predicted correctly.</summary>
    public double Accuracy => Examples == 0 ? 0 : (double)Enumerable.Range(0, Classes).Sum(c => Confusion[c, c]) / Examples;

    /// <summary>Of the examples predicted as <paramref name="c"/>, the fraction that are.</summary>
    public double Precision(int c)
    {
        long predicted = Enumerable.Range(0, Classes).Sum(t => Confusion[t, c]);
        return predicted == 0 ? double.NaN : (double)Confusion[c, c] / predicted;
    }

    /// <summary>Of the examples of class <paramref name="c"/>, the fraction predicted as it.</summary>
    public double Recall(int c)
    {
        long actual = Enumerable.Range(0, Classes).Sum(p => Confusion[c, p]);
        return actual == 0 ? double.NaN : (double)Confusion[c, c] / actual;
    }

    /// <summary>Counts the predictions against the labels.</summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a label or prediction is outside [0, classes).</exception>
    public static ClassificationEvaluation From(IReadOnlyList<long> labels, IReadOnlyList<long> predictions, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (labels.Count != predictions.Count)
        {
            throw new ArgumentException($"{labels.Count} labels but {predictions.Count} predictions.", nameof(predictions));
        }

        long[,] confusion = new long[classes, classes];
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i] < 0 || labels[i] >= classes || predictions[i] < 0 || predictions[i] >= classes)
            {
                throw new ArgumentException($"example {i}: label {labels[i]} or prediction {predictions[i]} is outside [0, {classes}).", nameof(predictions));
            }

            confusion[labels[i], predictions[i]]++;
        }

        return new ClassificationEvaluation(confusion);
    }
}
