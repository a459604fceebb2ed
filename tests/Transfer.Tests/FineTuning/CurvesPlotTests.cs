using System.Buffers.Binary;
using ScottPlot;
using Transfer.FineTuning;

namespace Transfer.Tests.FineTuning;

public sealed class CurvesPlotTests
{
    private static EpochMetrics Epoch(int epoch, double loss, double acc) =>
        new(epoch, loss, acc, loss * 1.1, acc * 0.95, 1e-3, 1);

    public static TheoryData<int> EpochCounts => new() { 1, 5 };

    [Theory]
    [MemberData(nameof(EpochCounts))]
    public void Loss_and_accuracy_are_two_stacked_panels_sharing_the_epoch_axis_with_every_epoch_marked(int count)
    {
        EpochMetrics[] history = Enumerable.Range(1, count).Select(e => Epoch(e, 1.0 / e, 0.5 + (0.08 * e))).ToArray();
        Multiplot figure = CurvesPlot.Figure(history);

        Plot[] panels = figure.GetPlots();
        Assert.Equal(2, panels.Length);
        Assert.Equal(["loss", "accuracy"], panels.Select(p => p.Axes.Left.Label.Text));
        Assert.Equal(["", "epoch"], panels.Select(p => p.Axes.Bottom.Label.Text));
        foreach (Plot panel in panels)
        {
            AxisLimits limits = panel.Axes.GetLimits();
            Assert.Equal((0.5, count + 0.5), (limits.Left, limits.Right));
            Assert.True(limits.Top > limits.Bottom);
            ScottPlot.Plottables.Scatter[] series = panel.GetPlottables<ScottPlot.Plottables.Scatter>().ToArray();
            Assert.Equal(2, series.Length);
            foreach (ScottPlot.Plottables.Scatter s in series)
            {
                Assert.Equal(count, s.Data.GetScatterPoints().Count);
                Assert.True(s.MarkerSize > 0 && s.MarkerShape != MarkerShape.None);
                Assert.All(s.Data.GetScatterPoints(), p => Assert.InRange(p.Y, limits.Bottom, limits.Top));
            }
        }

        byte[] png = CurvesPlot.Render(history);
        Assert.Equal((CurvesPlot.Width, CurvesPlot.Height), (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))));
    }
}
