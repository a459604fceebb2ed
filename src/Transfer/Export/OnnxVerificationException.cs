using Transfer.Rules.Errors;

namespace Transfer.Export;

/// <summary>
/// An exported graph does not compute what the TorchSharp model computes, within
/// <see cref="OnnxVerification"/>'s tolerances; the CLI exits 1, as for a plan that breaks its rules.
/// </summary>
public sealed class OnnxVerificationException : TransferException
{
    /// <summary>Creates the exception with its one-line message and the failed comparison.</summary>
    public OnnxVerificationException(string message, OnnxVerification verification)
        : base(message)
    {
        Verification = verification;
    }

    /// <summary>The comparison that failed.</summary>
    public OnnxVerification Verification { get; }
}
