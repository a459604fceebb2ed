namespace Transfer.Rules.Errors;

/// <summary>
/// A rule or configuration file is wrong: an unknown key, a bad value, a regex that does not compile. The
/// message starts with <c>file:line:column</c> when the problem comes from a file.
/// </summary>
public sealed class RuleConfigException : TransferException
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public RuleConfigException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
