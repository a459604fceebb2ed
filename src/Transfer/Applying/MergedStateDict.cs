using TorchSharp;

namespace Transfer.Applying;

/// <summary>
/// The result of applying a plan to a target state dict: every target key in target order, holding the
/// source value where the plan loads one and the target's value elsewhere. Owns its tensors (untouched ones
/// are cheap aliases of the target's storage), so dispose it after writing it out.
/// </summary>
public sealed class MergedStateDict : IDisposable
{
    internal MergedStateDict(IReadOnlyList<KeyValuePair<string, torch.Tensor>> entries, ApplyReport report)
    {
        Entries = entries;
        Report = report;
    }

    /// <summary>The merged tensors in target order.</summary>
    public IReadOnlyList<KeyValuePair<string, torch.Tensor>> Entries { get; }

    /// <summary>What the merge copied.</summary>
    public ApplyReport Report { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (KeyValuePair<string, torch.Tensor> entry in Entries)
        {
            entry.Value.Dispose();
        }
    }
}
