using TorchSharp;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Rules;

namespace Transfer.Applying;

/// <summary>
/// Where an apply reads source tensors from: their specs up front (for validation, before any tensor is
/// read), then one tensor at a time. A checkpoint can also read a tensor's bytes straight into the
/// storage of a target tensor, with no intermediate tensor.
/// </summary>
internal abstract class SourceTensors
{
    public abstract IReadOnlyList<TensorSpec> Specs { get; }

    /// <summary>A new tensor holding the source value; the caller disposes it (a dispose scope does).</summary>
    public abstract torch.Tensor Load(string name);

    /// <summary>True when <see cref="ReadInto"/> can fill a contiguous CPU tensor of the source's dtype and shape.</summary>
    public virtual bool CanReadInto => false;

    /// <summary>Writes the source's contiguous bytes to <paramref name="destination"/>; safe to call from several threads.</summary>
    public virtual unsafe void ReadInto(string name, byte* destination, long length) => throw new NotSupportedException();

    /// <summary>True when <see cref="ReadPart"/> can fill any byte range of the named tensor on its own.</summary>
    public virtual bool HasParts(string name) => false;

    /// <summary>
    /// Writes bytes [<paramref name="start"/>, +<paramref name="count"/>) of the named tensor; safe from several
    /// threads. Returns the part's CRC-32 when the tensor's recorded CRC is still to be checked, by
    /// <see cref="CheckParts"/> once every part is read.
    /// </summary>
    public virtual unsafe uint? ReadPart(string name, byte* destination, long start, long count) => throw new NotSupportedException();

    /// <summary>Checks the parts <see cref="ReadPart"/> read, covering the whole named tensor, against its recorded CRC-32.</summary>
    public virtual void CheckParts(string name, IReadOnlyList<PartCrc> parts) => throw new NotSupportedException();

    public static SourceTensors Of(IReadOnlyDictionary<string, torch.Tensor> tensors) => new Live(tensors);

    public static SourceTensors Of(Checkpoint checkpoint) => new File(checkpoint);

    /// <summary>Tensors the caller owns: each load is an alias, so disposing it leaves the caller's tensor alone.</summary>
    private sealed class Live(IReadOnlyDictionary<string, torch.Tensor> tensors) : SourceTensors
    {
        public override IReadOnlyList<TensorSpec> Specs { get; } =
            [.. tensors.Select(t => new TensorSpec(t.Key, ModelSpecs.DTypeName(t.Value.dtype), t.Value.shape))];

        public override torch.Tensor Load(string name) => tensors[name].alias();
    }

    private sealed class File(Checkpoint checkpoint) : SourceTensors
    {
        private readonly Dictionary<string, CheckpointTensor> byName = checkpoint.Tensors.DistinctBy(t => t.Spec.Name, StringComparer.Ordinal).ToDictionary(t => t.Spec.Name, StringComparer.Ordinal);

        public override IReadOnlyList<TensorSpec> Specs => checkpoint.Specs;

        public override bool CanReadInto => true;

        public override torch.Tensor Load(string name) => byName[name].Load();

        public override unsafe void ReadInto(string name, byte* destination, long length) => byName[name].ReadInto(destination, length);

        public override bool HasParts(string name) => byName[name].HasParts;

        public override unsafe uint? ReadPart(string name, byte* destination, long start, long count) =>
            byName[name].ReadPart(destination, start, count);

        public override void CheckParts(string name, IReadOnlyList<PartCrc> parts) => byName[name].CheckParts(parts);
    }
}
