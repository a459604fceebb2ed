using Transfer.Rules.Errors;

namespace Transfer.Export;

/// <summary>
/// A model cannot be exported to ONNX as asked: a module has no ONNX form (the message names its type and
/// its path in the model), an option is out of range, or the weights do not fit the model.
/// </summary>
public sealed class OnnxExportException : TransferException
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public OnnxExportException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
