using TorchSharp.Modules;
using Transfer.FineTuning;
using Transfer.Training;
using static TorchSharp.torch.utils;

namespace Transfer.Logging;

/// <summary>
/// TensorBoard scalars of a run, through TorchSharp's <see cref="SummaryWriter"/>, in <c>tensorboard/</c> of the
/// output folder: per epoch (the step), <c>loss/train</c>, <c>loss/val</c>, <c>accuracy/train</c>,
/// <c>accuracy/val</c> and <c>lr/&lt;group&gt;</c> for every optimizer group. Each run segment (a start, or a
/// <c>--resume</c>) writes its own event file, as TensorBoard expects of a process. An epoch is written once its
/// checkpoint is committed, so a resume, which starts from the last committed checkpoint, never writes an epoch
/// twice; and a resume first writes the committed scalars the event files lack (a process killed between a
/// commit and the write, or in the middle of an epoch's scalars), so none is lost and none is repeated. Every
/// scalar comes from the committed history (each group's rate from <see cref="EpochMetrics.GroupLrs"/>), so what a
/// resume catches up is written exactly as an uninterrupted run writes it.
/// </summary>
internal sealed class TensorBoardLog
{
    private readonly SummaryWriter _writer;
    private readonly HashSet<(long Step, string Tag)> _written;

    private TensorBoardLog(SummaryWriter writer, HashSet<(long Step, string Tag)> written)
    {
        _writer = writer;
        _written = written;
    }

    /// <summary>The folder the event files go to.</summary>
    public static string Folder(string outDir) => Path.Combine(outDir, "tensorboard");

    /// <summary>
    /// Starts this segment's event file. A fresh run (<paramref name="committed"/> empty, not resuming inside an
    /// epoch) first removes event files an earlier run left in the folder; a resume writes the committed scalars
    /// the existing files lack.
    /// </summary>
    /// <param name="outDir">The run's output folder.</param>
    /// <param name="committed">The history of the checkpoint the run starts from (empty for a fresh run).</param>
    /// <param name="fresh">Whether the run starts from scratch.</param>
    /// <param name="groups">The optimizer's groups as the run starts (those of every committed epoch among them).</param>
    public static TensorBoardLog Open(
        string outDir, IReadOnlyList<EpochMetrics> committed, bool fresh, IReadOnlyList<OptimizerGroup> groups)
    {
        string folder = Folder(outDir);
        HashSet<(long Step, string Tag)> written = [];
        if (fresh && Directory.Exists(folder))
        {
            foreach (string stale in Directory.EnumerateFiles(folder, "events.out.tfevents.*"))
            {
                File.Delete(stale);
            }
        }
        else if (!fresh)
        {
            written = WrittenScalars.In(folder);
        }

        TensorBoardLog log = new(tensorboard.SummaryWriter(folder), written);
        log.Write(committed, groups);
        return log;
    }

    /// <summary>
    /// Writes the scalars of <paramref name="committed"/> (a committed checkpoint's history) not written yet, in
    /// epoch order, each group's rate tagged with the label of <paramref name="groups"/> at its index (groups are
    /// only ever appended).
    /// </summary>
    public void Write(IReadOnlyList<EpochMetrics> committed, IReadOnlyList<OptimizerGroup> groups)
    {
        foreach (EpochMetrics m in committed.OrderBy(m => m.Epoch))
        {
            long time = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Add("loss/train", m.TrainLoss, m.Epoch, time);
            Add("loss/val", m.ValLoss, m.Epoch, time);
            Add("accuracy/train", m.TrainAcc, m.Epoch, time);
            Add("accuracy/val", m.ValAcc, m.Epoch, time);

            // A checkpoint written before GroupLrs existed keeps only the first group's rate (metrics.csv's lr).
            IReadOnlyList<double> rates = m.GroupLrs.Count > 0 ? m.GroupLrs : [m.Lr];
            for (int g = 0; g < rates.Count && g < groups.Count; g++)
            {
                Add($"lr/{groups[g].Label}", rates[g], m.Epoch, time);
            }
        }
    }

    private void Add(string tag, double value, int step, long time)
    {
        if (_written.Add((step, tag)))
        {
            _writer.add_scalar(tag, (float)value, step, time);
        }
    }
}
