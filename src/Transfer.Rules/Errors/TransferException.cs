namespace Transfer.Rules.Errors;

/// <summary>
/// The base of every error Transfer raises for bad input. Its message is one sentence a user can act on
/// (it names the file, key or rule at fault), so front ends print it as it is, without a stack trace; control
/// characters that came from a file (a tensor name with a newline or an ANSI escape) arrive escaped.
/// </summary>
public abstract class TransferException : Exception
{
    /// <summary>Creates the exception with its one-line message.</summary>
    protected TransferException(string message, Exception? inner = null)
        : base(MessageText.Escape(message), inner)
    {
    }
}
