using Transfer.Rules;

namespace Transfer.Formats;

/// <summary>
/// An open checkpoint: its format, the state dict's tensors (specs known, bytes read on demand) and the
/// scalar entries that travelled with it. Keep it open while tensors are loaded; dispose it to close the file.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    private readonly IDisposable? file;

    internal Checkpoint(string path, string format, string? stateDictKey, IReadOnlyDictionary<string, string> metadata,
        IReadOnlyList<CheckpointTensor> tensors, IDisposable? file, string container = StateDictContainer, IReadOnlyList<string>? classes = null)
    {
        Container = container;
        Classes = classes ?? [];
        Path = path;
        Format = format;
        StateDictKey = stateDictKey;
        Metadata = metadata;
        Tensors = tensors;
        Specs = [.. tensors.Select(t => t.Spec)];
        this.file = file;
    }

    /// <summary>The file this checkpoint was read from.</summary>
    public string Path { get; }

    /// <summary><c>pytorch</c>, <c>safetensors</c>, <c>torchsharp</c> or <c>numpy</c> (a pickle of NumPy arrays), as detected from the content.</summary>
    public string Format { get; }

    /// <summary>The key of a training checkpoint dict that holds the state dict; null when it is the top level.</summary>
    public string? StateDictKey { get; }

    /// <summary>
    /// Scalars stored beside the state dict (a PyTorch checkpoint's <c>epoch</c> or <c>loss</c>, as text the
    /// way Python prints them) or a safetensors file's <c>__metadata__</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The state dict's tensors in file order.</summary>
    public IReadOnlyList<CheckpointTensor> Tensors { get; }

    /// <summary>The specs of <see cref="Tensors"/>, for planning.</summary>
    public IReadOnlyList<TensorSpec> Specs { get; }

    /// <summary>
    /// What the file holds: <c>state dict</c> (tensors by name: a state dict, a checkpoint dict holding one,
    /// safetensors, TorchSharp), <c>module pickle of __main__.Net</c> (<c>torch.save(model)</c>) or
    /// <c>TorchScript module __torch__.Net</c> (<c>torch.jit.save</c>).
    /// </summary>
    internal string Container { get; }

    /// <summary>
    /// The classes, sorted, whose instances a PyTorch pickle built as inert stand-ins (what <c>torch.load</c>
    /// would have imported); empty for a plain state dict and for the other formats.
    /// </summary>
    internal IReadOnlyList<string> Classes { get; }

    /// <summary>The <see cref="Container"/> of a plain state dict.</summary>
    internal const string StateDictContainer = "state dict";

    /// <summary>
    /// For a sharded checkpoint (a Hugging Face <c>*.index.json</c>, whose path is <see cref="Path"/>), its shard
    /// files as the index names them, relative to its folder, in the order their tensors are listed (its
    /// <see cref="Format"/> is theirs); empty for a single file.
    /// </summary>
    public IReadOnlyList<string> Shards { get; internal init; } = [];

    /// <summary>Closes the file.</summary>
    public void Dispose() => file?.Dispose();
}
