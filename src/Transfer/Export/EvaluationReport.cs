using System.Globalization;
using System.Text;

namespace Transfer.Export;

/// <summary>An evaluation as text: accuracy, the confusion matrix as a table, and per-class precision and recall.</summary>
public static class EvaluationReport
{
    /// <summary>Renders <paramref name="evaluation"/>; class names label the rows when given, else the class indices.</summary>
    public static string Render(ClassificationEvaluation evaluation, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        int k = evaluation.Classes;
        string Name(int c) => classNames is not null && c < classNames.Count ? classNames[c] : c.ToString(CultureInfo.InvariantCulture);
        int nameWidth = Math.Max("true \\ predicted".Length, Enumerable.Range(0, k).Max(c => Name(c).Length));
        int cell = Math.Max(5, Enumerable.Range(0, k).SelectMany(t => Enumerable.Range(0, k).Select(p => evaluation.Confusion[t, p])).Max().ToString(CultureInfo.InvariantCulture).Length + 1);
        StringBuilder text = new();
        text.Append(CultureInfo.InvariantCulture, $"accuracy {evaluation.Accuracy:0.0000} ({evaluation.Examples} examples)\n\n");
        text.Append("true \\ predicted".PadRight(nameWidth));
        for (int p = 0; p < k; p++)
        {
            text.Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(cell));
        }

        text.Append(CultureInfo.InvariantCulture, $"{"precision",11}{"recall",9}\n");
        for (int t = 0; t < k; t++)
        {
            text.Append(Name(t).PadRight(nameWidth));
            for (int p = 0; p < k; p++)
            {
                text.Append(evaluation.Confusion[t, p].ToString(CultureInfo.InvariantCulture).PadLeft(cell));
            }

            text.Append(CultureInfo.InvariantCulture, $"{Ratio(evaluation.Precision(t)),11}{Ratio(evaluation.Recall(t)),9}\n");
        }

        return text.ToString();
    }

    private static string Ratio(double value) => double.IsNaN(value) ? "-" : value.ToString("0.0000", CultureInfo.InvariantCulture);
}
