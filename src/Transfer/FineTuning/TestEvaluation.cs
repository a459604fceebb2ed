namespace Transfer.FineTuning;

/// <summary>
/// The held-out test set's result, measured once after training with the weights of <c>best.safetensors</c>
/// (chosen on the validation set, never on the test set).
/// </summary>
/// <param name="Loss">Mean cross-entropy on the test set.</param>
/// <param name="Accuracy">Share of test examples classified correctly.</param>
/// <param name="Examples">Test examples evaluated.</param>
/// <param name="Epoch">The epoch whose weights were evaluated (the best epoch).</param>
public sealed record TestEvaluation(double Loss, double Accuracy, long Examples, int Epoch);
