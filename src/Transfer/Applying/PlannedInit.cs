using TorchSharp;
using Transfer.Rules;
using Transfer.Rules.Planning;

namespace Transfer.Applying;

/// <summary>
/// One validated init: a target no source fills and the policy the plan gave it, drawn from a generator of
/// its own (<see cref="InitSeed"/>), never the global one. Decided from specs; <see cref="Write"/> acts.
/// </summary>
internal sealed record PlannedInit(PlanEntry Entry, TensorSpec Target, long Seed)
{
    public TensorInit Init => Entry.Init!;

    /// <summary>Fills <paramref name="target"/>; call under no_grad in a dispose scope.</summary>
    public void Write(torch.Tensor target)
    {
        if (Init.Kind == InitKind.Zeros)
        {
            target.zero_();
            return;
        }

        (double mean, double scale) = Init.Distribution(target.shape);
        using torch.Generator generator = new(InitSeed.For(Seed, Entry.Target!));
        if (Init.Kind is InitKind.Normal or InitKind.KaimingNormal)
        {
            target.normal_(mean, scale, generator);
        }
        else
        {
            target.uniform_(-scale, scale, generator);
        }
    }
}
