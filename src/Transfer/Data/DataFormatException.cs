using Transfer.Rules.Errors;

namespace Transfer.Data;

/// <summary>
/// A data file is missing, truncated or not what it claims to be. The message names the file and the
/// problem (wrong magic number, sizes that disagree, a label out of range).
/// </summary>
public sealed class DataFormatException : TransferException
{
    /// <summary>Creates the exception; the message is prefixed with the file path.</summary>
    public DataFormatException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
    {
        File = file;
        Problem = problem;
    }

    /// <summary>The file at fault.</summary>
    public string File { get; }

    /// <summary>What was wrong with it, without the file name.</summary>
    public string Problem { get; }
}
