using Transfer.FineTuning.Config;

namespace Transfer.FineTuning;

/// <summary>
/// How a run trains and what it measured, as <c>report.json</c> and <c>report.md</c> record it: device,
/// threads, what each data set is, and (once training ended) the best and last epochs and the test result.
/// </summary>
/// <param name="Device">The training device (<c>cpu</c>, <c>cuda</c>…).</param>
/// <param name="Threads">torch's intra-op thread count while training.</param>
/// <param name="Sets">What the training, validation and test sets are.</param>
/// <param name="Outcome">The results, or null before training.</param>
internal sealed record RunFacts(string Device, int Threads, DataSets Sets, RunOutcome? Outcome = null)
{
    /// <summary>The <c>files</c> section (<see cref="Versioning.RunFiles"/>): inputs and outputs with their SHA-256; null to leave it out.</summary>
    public System.Text.Json.Nodes.JsonObject? Files { get; init; }

    /// <summary>The image folder's record under <c>data.imagefolder</c> (<see cref="RunImageFolder"/>); null for other data.</summary>
    public System.Text.Json.Nodes.JsonObject? ImageFolder { get; init; }

    /// <summary>The <c>export</c> section (<see cref="RunExport"/>): the exported model, its verification; null without one.</summary>
    public System.Text.Json.Nodes.JsonObject? Export { get; init; }

    /// <summary>The <c>finetune:</c> section whose training features (loss, clipping, EMA…) the report records; null to leave them out.</summary>
    public FineTuneConfig? FineTune { get; init; }
}

/// <summary>What a finished run measured.</summary>
/// <param name="KeepBest">The metric that chose the best epoch.</param>
/// <param name="Best">The best epoch's metrics (on the validation set).</param>
/// <param name="Last">The last epoch's metrics (on the validation set).</param>
/// <param name="Test">The test result with the best weights, when there is a held-out test set.</param>
internal sealed record RunOutcome(Metric KeepBest, EpochMetrics? Best, EpochMetrics? Last, TestEvaluation? Test);
