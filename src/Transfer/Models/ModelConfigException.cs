using Transfer.Rules.Errors;

namespace Transfer.Models;

/// <summary>
/// A model was asked for by a name or with options the <see cref="ModelRegistry"/> does not know; the message
/// names the closest valid name so a typo in a config file is a one-line fix.
/// </summary>
public sealed class ModelConfigException : TransferException
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public ModelConfigException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
