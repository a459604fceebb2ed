namespace Transfer.Formats.PyTorch;

/// <summary>
/// A pickle ran past the end of the bytes it was given. For a whole <c>data.pkl</c> that is a corrupt file
/// (<see cref="Problem"/> says so); a legacy file's reader, which reads its pickles before it knows their
/// length, takes it as a sign to read more of the file and try again.
/// </summary>
internal sealed class PickleEndedException(CheckpointFormatException problem) : Exception(problem.Message, problem)
{
    /// <summary>The format error to report when there is nothing more to read.</summary>
    public CheckpointFormatException Problem { get; } = problem;
}
