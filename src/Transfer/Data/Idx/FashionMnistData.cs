namespace Transfer.Data.Idx;

/// <summary>The Fashion-MNIST splits <see cref="FashionMnist.Locate"/> loaded, and where they came from.</summary>
/// <param name="Description">Which data was used, for the user: the source kind, directory and sizes.</param>
/// <param name="Train">The training split.</param>
/// <param name="Test">The test split.</param>
public sealed record FashionMnistData(string Description, LabeledTensors Train, LabeledTensors Test) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
