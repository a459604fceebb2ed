using TorchSharp;
using Transfer.Rules;
using Transfer.Rules.Planning;

namespace Transfer.Applying;

/// <summary>
/// One validated init: a target no source fills and the policy the plan gave it, drawn from a generator of
/// its own (<see cref="InitSeed"/>), never the global one.
/// </summary>
internal sealed record PlannedInit(PlanEntry Entry, torch.Tensor Target, long Seed)
{
    public TensorInit Init => Entry.Init!;

    /// <summary>Fills the target; call under no_grad in a dispose scope.</summary>
    public void Write()
    {
        if (Init.Kind == InitKind.Zeros)
        {
            Target.zero_();
            return;
        }

        (double mean, double scale) = Init.Distribution(Target.shape);
        using torch.Generator generator = new(InitSeed.For(Seed, Entry.Target!));
        if (Init.Kind is InitKind.Normal or InitKind.KaimingNormal)
        {
            Target.normal_(mean, scale, generator);
        }
        else
        {
            Target.uniform_(-scale, scale, generator);
        }
    }
}
