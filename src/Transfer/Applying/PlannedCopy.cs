using TorchSharp;
using Transfer.Rules;
using Transfer.Rules.Planning;

namespace Transfer.Applying;

/// <summary>One validated copy: the plan entry, its loaded source and the target it writes into.</summary>
internal sealed record PlannedCopy(PlanEntry Entry, torch.Tensor Source, torch.Tensor Target)
{
    public bool IsPartial => Entry.Status == EntryStatus.Partial;

    /// <summary>True for a first conv adapted to the target's input channels rather than sliced.</summary>
    public bool AdaptsChannels => IsPartial && Entry.Policy == ShapePolicy.AdaptChannels;

    public string TargetKey => Entry.Target!;

    /// <summary>Elements written: all of the target, or the overlapping leading block for a sliced copy.</summary>
    public long Elements
    {
        get
        {
            long count = 1;
            if (AdaptsChannels)
            {
                return Target.numel();
            }

            for (int d = 0; d < Target.shape.Length; d++)
            {
                count *= Math.Min(Source.shape[d], Target.shape[d]);
            }

            return count;
        }
    }

    /// <summary>Writes the source (or its leading block) into the target; call under no_grad in a dispose scope.</summary>
    public void Write()
    {
        torch.Tensor from = Source;
        torch.Tensor into = Target;
        if (AdaptsChannels)
        {
            from = ChannelAdapter.Adapt(Source, Target.shape[1]);
        }
        else if (IsPartial)
        {
            for (int d = 0; d < Target.shape.Length; d++)
            {
                long n = Math.Min(Source.shape[d], Target.shape[d]);
                from = from.narrow(d, 0, n);
                into = into.narrow(d, 0, n);
            }
        }

        into.copy_(from.to_type(Target.dtype));
    }
}
