using Transfer.Data;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using static TorchSharp.torch;

namespace Transfer.Tests.FineTuning;

/// <summary>
/// The fixture of in-process <see cref="FineTuner"/> tests: a fresh output folder and <see cref="TinyRun"/>'s
/// training (256 examples) and validation (64) sets, all disposed after each test, and one way to run seed 5 on them.
/// </summary>
public abstract class TinyRunTests : IDisposable
{
    private readonly bool _tensorBoard;

    /// <param name="tensorBoard">Whether every run writes TensorBoard event files.</param>
    protected TinyRunTests(bool tensorBoard = false) => _tensorBoard = tensorBoard;

    /// <summary>The test's output folder (deleted afterwards).</summary>
    protected string Out { get; } = TinyRun.TempDir();

    /// <summary>256 training examples.</summary>
    protected LabeledTensors TrainSet { get; } = TinyRun.Data(256, 1);

    /// <summary>64 validation examples.</summary>
    protected LabeledTensors ValSet { get; } = TinyRun.Data(64, 2);

    public void Dispose()
    {
        TrainSet.Dispose();
        ValSet.Dispose();
        Directory.Delete(Out, true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Adam at 1e-2, batches of 32, on the CPU.</summary>
    protected static FineTuneConfig Config(int epochs = 3) => new()
    {
        Device = "cpu",
        Epochs = epochs,
        BatchSize = 32,
        Optimizer = new OptimizerConfig(OptimizerType.Adam, 1e-2),
    };

    /// <summary>Trains <paramref name="model"/> with seed 5 into <paramref name="outDir"/> (default <see cref="Out"/>).</summary>
    protected FineTuneResult Run(
        nn.Module<Tensor, Tensor> model, FineTuneConfig config, string? outDir = null, bool resume = false, CancellationToken cancel = default,
        IProgress<FineTuneProgress>? progress = null, LabeledTensors? train = null, LabeledTensors? val = null) =>
        FineTuner.Train(model, train ?? TrainSet, val ?? ValSet, config, 5, new FineTuneOptions
        {
            OutDir = outDir ?? Out,
            Resume = resume,
            Cancellation = cancel,
            Progress = progress,
            TensorBoard = _tensorBoard,
        });

    /// <summary>
    /// Runs <paramref name="config"/> into <paramref name="outDir"/> with a model of seed 0, cancelled once it reports
    /// batch <paramref name="batch"/> of epoch <paramref name="epoch"/>, and returns the interruption.
    /// </summary>
    protected TrainingInterruptedException RunUntil(FineTuneConfig config, string outDir, int epoch, int batch)
    {
        using var model = TinyRun.Model();
        using CancellationTokenSource cancel = new();
        return Assert.Throws<TrainingInterruptedException>(() => Run(model, config, outDir, cancel: cancel.Token,
            progress: new SynchronousProgress(p =>
            {
                if (p.Completed is null && p.Epoch == epoch && p.Batch == batch)
                {
                    cancel.Cancel();
                }
            })));
    }
}
