using TorchSharp.Modules;
using Transfer.FineTuning;
using static TorchSharp.torch.utils;

namespace Transfer.Logging;

/// <summary>
/// TensorBoard scalars of a run, through TorchSharp's <see cref="SummaryWriter"/>, in <c>tensorboard/</c> of the
/// output folder: per epoch (the step), <c>loss/train</c>, <c>loss/val</c>, <c>accuracy/train</c>,
/// <c>accuracy/val</c> and <c>lr/&lt;group&gt;</c> for every optimizer group. Each run segment (a start, or a
/// <c>--resume</c>) writes its own event file, as TensorBoard expects of a process. An epoch is written once its
/// checkpoint is committed, so a resume, which starts from the last committed checkpoint, never writes an epoch
/// twice; and a resume first writes the committed epochs the event files lack (a process killed between a
/// commit and the write), so none is lost.
/// </summary>
internal sealed class TensorBoardLog
{
    private readonly SummaryWriter _writer;
    private readonly Dictionary<int, IReadOnlyList<(string Group, double Lr)>> _rates = new();
    private readonly string _firstGroup;
    private int _written;

    private TensorBoardLog(SummaryWriter writer, int written, string firstGroup)
    {
        _writer = writer;
        _written = written;
        _firstGroup = firstGroup;
    }

    /// <summary>The folder the event files go to.</summary>
    public static string Folder(string outDir) => Path.Combine(outDir, "tensorboard");

    /// <summary>
    /// Starts this segment's event file. A fresh run (<paramref name="committed"/> empty, not resuming inside an
    /// epoch) first removes event files an earlier run left in the folder; a resume writes the committed epochs
    /// the existing files lack.
    /// </summary>
    /// <param name="outDir">The run's output folder.</param>
    /// <param name="committed">The history of the checkpoint the run starts from (empty for a fresh run).</param>
    /// <param name="fresh">Whether the run starts from scratch.</param>
    /// <param name="firstGroup">The label of the first optimizer group, whose rate metrics.csv keeps: the only rate
    /// known for a committed epoch the event files lack.</param>
    public static TensorBoardLog Open(string outDir, IReadOnlyList<EpochMetrics> committed, bool fresh, string firstGroup)
    {
        string folder = Folder(outDir);
        int written = 0;
        if (fresh && Directory.Exists(folder))
        {
            foreach (string stale in Directory.EnumerateFiles(folder, "events.out.tfevents.*"))
            {
                File.Delete(stale);
            }
        }
        else if (!fresh)
        {
            written = EventFileSteps.LastStep(folder, LossTrain);
        }

        TensorBoardLog log = new(tensorboard.SummaryWriter(folder), written, firstGroup);
        log.Write(committed);
        return log;
    }

    /// <summary>Remembers the learning rate of every optimizer group during <paramref name="epoch"/>.</summary>
    public void Rates(int epoch, IEnumerable<(string Group, double Lr)> rates) => _rates[epoch] = rates.ToList();

    /// <summary>Writes the epochs of <paramref name="committed"/> (a committed checkpoint's history) not written yet.</summary>
    public void Write(IReadOnlyList<EpochMetrics> committed)
    {
        foreach (EpochMetrics m in committed.Where(m => m.Epoch > _written).OrderBy(m => m.Epoch))
        {
            long time = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Add(LossTrain, m.TrainLoss, m.Epoch, time);
            Add("loss/val", m.ValLoss, m.Epoch, time);
            Add("accuracy/train", m.TrainAcc, m.Epoch, time);
            Add("accuracy/val", m.ValAcc, m.Epoch, time);

            // A committed epoch a killed process did not get to write has only the first group's rate (metrics.csv's lr).
            IReadOnlyList<(string Group, double Lr)> rates = _rates.TryGetValue(m.Epoch, out var known) ? known : [(_firstGroup, m.Lr)];
            foreach ((string group, double lr) in rates)
            {
                Add($"lr/{group}", lr, m.Epoch, time);
            }

            _written = m.Epoch;
            _rates.Remove(m.Epoch);
        }
    }

    private const string LossTrain = "loss/train";

    private void Add(string tag, double value, int step, long time) => _writer.add_scalar(tag, (float)value, step, time);
}
