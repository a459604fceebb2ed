using Transfer.Rules.Errors;

namespace Transfer.Formats;

/// <summary>
/// A checkpoint file is unreadable, corrupt or hostile. The message names the file and what was wrong
/// (and where: an offset, a zip member, a pickle opcode or global).
/// </summary>
public sealed class CheckpointFormatException : TransferException
{
    private const int ProblemLimit = 1000;

    /// <summary>
    /// Creates the exception; the message is prefixed with the file path. The problem may quote names from
    /// the file: it is escaped and cut to <see cref="ProblemLimit"/> characters, so the file's contents are
    /// never echoed beyond a bounded, printable excerpt.
    /// </summary>
    public CheckpointFormatException(string file, string problem, Exception? inner = null)
        : base($"{file}: {Printable(problem)}", inner)
    {
        File = file;
        Problem = Printable(problem);
    }

    /// <summary>The file at fault.</summary>
    public string File { get; }

    /// <summary>What was wrong with it, without the file name.</summary>
    public string Problem { get; }

    private static string Printable(string problem) => MessageText.Shorten(MessageText.Escape(problem), ProblemLimit);
}
