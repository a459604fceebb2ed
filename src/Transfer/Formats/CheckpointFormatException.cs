using Transfer.Rules.Errors;

namespace Transfer.Formats;

/// <summary>
/// A checkpoint file is unreadable, corrupt or hostile. The message names the file and what was wrong
/// (and where: an offset, a zip member, a pickle opcode or global).
/// </summary>
public sealed class CheckpointFormatException : TransferException
{
    /// <summary>Creates the exception; the message is prefixed with the file path.</summary>
    public CheckpointFormatException(string file, string problem, Exception? inner = null)
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
