using TorchSharp;
using Transfer.Rules;
using Transfer.Rules.Planning;

namespace Transfer.Applying;

/// <summary>
/// One copy a validated plan makes, decided from specs alone: the entry, the source tensor it reads and the
/// target tensor it writes. <see cref="ApplyValidator"/> builds these only after every check passed, so
/// executors (into a live model, into a file) just carry them out.
/// </summary>
internal sealed record PlannedCopy(PlanEntry Entry, TensorSpec Source, TensorSpec Target)
{
    public bool IsPartial => Entry.Status == EntryStatus.Partial;

    /// <summary>True for a first conv adapted to the target's input channels rather than sliced.</summary>
    public bool AdaptsChannels => IsPartial && Entry.Policy == ShapePolicy.AdaptChannels;

    /// <summary>True when the source's dtype differs from the target's and is converted on the way.</summary>
    public bool IsCast => Source.DType != Target.DType;

    /// <summary>True when the target receives the source's bytes unchanged (whole, same dtype).</summary>
    public bool IsVerbatim => !IsPartial && !IsCast;

    /// <summary>Elements written: all of the target (whole or adapted), or the overlapping leading block for a sliced copy.</summary>
    public long Elements
    {
        get
        {
            if (AdaptsChannels)
            {
                return Target.ElementCount;
            }

            long count = 1;
            for (int d = 0; d < Target.Shape.Count; d++)
            {
                count = checked(count * Math.Min(Source.Shape[d], Target.Shape[d]));
            }

            return count;
        }
    }

    /// <summary>
    /// Writes <paramref name="source"/> (its leading block, or its channels adapted) into <paramref name="target"/>; call under
    /// <c>no_grad</c> inside a dispose scope, which takes the narrowed views and the cast copy.
    /// </summary>
    /// <exception cref="InvalidOperationException">A tensor is not what the validated specs said.</exception>
    public void Write(torch.Tensor source, torch.Tensor target)
    {
        Expect(source, Source);
        Expect(target, Target);
        torch.Tensor from = source;
        torch.Tensor into = target;
        if (AdaptsChannels)
        {
            from = ChannelAdapter.Adapt(source, target.shape[1]);
        }
        else if (IsPartial)
        {
            for (int d = 0; d < target.shape.Length; d++)
            {
                long n = Math.Min(source.shape[d], target.shape[d]);
                from = from.narrow(d, 0, n);
                into = into.narrow(d, 0, n);
            }
        }

        into.copy_(from.dtype == into.dtype ? from : from.to_type(into.dtype));
    }

    /// <summary>A tensor that changed between validation and the copy is a bug or a race, never a silent broadcast.</summary>
    private static void Expect(torch.Tensor tensor, TensorSpec spec)
    {
        if (!spec.Shape.SequenceEqual(tensor.shape) || Models.ModelSpecs.DTypeName(tensor.dtype) != spec.DType)
        {
            throw new InvalidOperationException(
                $"'{spec.Name}' is {Models.ModelSpecs.DTypeName(tensor.dtype)} {TensorSpec.FormatShape(tensor.shape)} but was validated as {spec.DType} {TensorSpec.FormatShape(spec.Shape)}; it changed while the plan was applied.");
        }
    }
}
