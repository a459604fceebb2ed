using Transfer.Rules.Errors;

namespace Transfer.FineTuning.Images;

/// <summary>A data file or folder cannot be used: the message names it and what was wrong.</summary>
public sealed class DataFormatException : TransferException
{
    /// <summary>Creates the exception; the message is prefixed with the path.</summary>
    public DataFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
    }
}
