using System.Globalization;
using Microsoft.Extensions.Logging;
using TorchSharp;
using Transfer.Applying;
using Transfer.Data;
using Transfer.Data.Idx;
using Transfer.Formats;
using Transfer.Freezing;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Planning;
using Transfer.Rules.Reports;
using Transfer.Training;

namespace LeNet5to6;

/// <summary>
/// The LeNet5 → LeNet6 story end to end: train LeNet5 on Fashion-MNIST, save it, plan the transfer into
/// LeNet6 by exact name and shape, apply the plan, freeze <c>conv.*</c>, fine-tune and evaluate. The last
/// line written is <c>final test accuracy: 0.XXXX</c>.
/// </summary>
public static class LeNet5to6Example
{
    private const int EvalBatch = 1000;

    /// <summary>Runs the example, writing its report to <paramref name="output"/>.</summary>
    public static ExampleResult Run(ExampleOptions options, TextWriter output, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        logger ??= Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        long started = Environment.TickCount64;
        // Threads and initial weights are scoped to this run: the caller's thread count is restored on return,
        // and every random draw comes from a generator seeded here, never from torch's process-wide one.
        using IntraOpThreads threads = IntraOpThreads.Use(options.Threads > 0 ? options.Threads : Math.Max(1, Environment.ProcessorCount / 2));
        using torch.Generator init = new(options.Seed + 2);
        torch.Device device = Transfer.DeviceChoice.Resolve("auto");
        using FashionMnistData data = FashionMnist.Locate(options.DataDir);
        output.WriteLine($"data: {data.Description}");
        logger.LogInformation("Training on {Device} with {Threads} threads", device.type, torch.get_num_threads());

        // 1. Train LeNet5.
        using LeNet5 five = new();
        SeededInit.Apply(five, init);
        five.to(device);
        double fiveAccuracy;
        using (torch.optim.Optimizer adam = torch.optim.Adam(five.parameters(), options.LearningRate))
        using (torch.Generator shuffle = new(options.Seed))
        {
            EpochProgress.Run("LeNet5", options.Epochs, options.ProgressBars, output, (_, progress) =>
                TrainingLoop.TrainEpoch(five, adam, data.Train, options.BatchSize, shuffle, progress));
            fiveAccuracy = TrainingLoop.Evaluate(five, data.Test, EvalBatch).Accuracy;
        }

        output.WriteLine(Invariant($"LeNet5 test accuracy: {fiveAccuracy:F4}"));

        // 2. Save it as a PyTorch checkpoint (torch.load(f, weights_only=True) reads it), and open that file
        //    as the transfer source: opening reads the header only, tensors are read when applied.
        Directory.CreateDirectory(options.OutDir);
        string saved = Path.GetFullPath(Path.Combine(options.OutDir, "lenet5.pt"));
        CheckpointWriter.Write(saved, StateDictOrder.Entries(five));
        logger.LogInformation("Saved LeNet5 to {Path}", saved);
        using Checkpoint source = CheckpointReader.Open(saved);

        // 3. Plan LeNet5 -> LeNet6 by exact name and shape, and show the plan.
        using LeNet6 six = new();
        SeededInit.Apply(six, init);
        six.to(device);
        TransferPlan plan = TransferPlanner.Plan(source.Specs, ModelSpecs.Of(six), RuleSet.Default, saved, "LeNet6");
        output.Write(PlanTableReport.Render(plan));

        // 4. Apply it (validated whole, then copied), then freeze the convolutional trunk.
        ApplyReport applied = PlanApplier.Apply(plan, six, source);
        logger.LogInformation("Applied plan: {Loaded} tensors loaded, {Elements} values copied", applied.Loaded, applied.CopiedElements);
        FreezeReport frozen = Freezer.Apply(six, new FreezeSpec(["conv.*"]));
        output.WriteLine(
            $"frozen: {frozen.FrozenCount} tensors ({frozen.FrozenElements} values), trainable: {frozen.TrainableCount} tensors ({frozen.TrainableElements} values)");

        // 5. Fine-tune what is trainable, then evaluate.
        using (torch.optim.Optimizer adam = torch.optim.Adam(Freezer.TrainableParameters(six), options.LearningRate))
        using (torch.Generator shuffle = new(options.Seed + 1))
        {
            EpochProgress.Run("LeNet6", options.FinetuneEpochs, options.ProgressBars, output, (_, progress) =>
                TrainingLoop.TrainEpoch(six, adam, data.Train, options.BatchSize, shuffle, progress, m => TrainMode.Enter(m)));
        }

        logger.LogInformation("Evaluating LeNet6 on {Count} test examples", data.Test.Count);
        double finalAccuracy = TrainingLoop.Evaluate(six, data.Test, EvalBatch).Accuracy;
        output.WriteLine(Invariant($"elapsed: {(Environment.TickCount64 - started) / 1000.0:F1} s"));
        output.WriteLine(Invariant($"final test accuracy: {finalAccuracy:F4}"));
        return new ExampleResult(data.Description, saved, plan, applied, frozen, fiveAccuracy, finalAccuracy);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
