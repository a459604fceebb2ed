using Transfer.Applying;
using Transfer.Freezing;
using Transfer.Rules.Planning;

namespace LeNet5to6;

/// <summary>What one run of the example did, for callers and the smoke test.</summary>
/// <param name="Data">Which data the run used.</param>
/// <param name="SavedModel">The file the trained LeNet5 was saved to.</param>
/// <param name="Plan">The LeNet5 → LeNet6 plan.</param>
/// <param name="Applied">What applying the plan copied.</param>
/// <param name="Frozen">Which LeNet6 parameters were frozen for fine-tuning.</param>
/// <param name="LeNet5Accuracy">LeNet5's test accuracy before the transfer.</param>
/// <param name="FinalAccuracy">LeNet6's test accuracy after fine-tuning.</param>
public sealed record ExampleResult(
    string Data, string SavedModel, TransferPlan Plan, ApplyReport Applied, FreezeReport Frozen, double LeNet5Accuracy, double FinalAccuracy);
