using TorchSharp;
using Transfer.Models;
using Transfer.Tests.FineTuning;
using Transfer.Tests.Models;
using Transfer.Transfers;

namespace Transfer.Tests.Applying;

/// <summary>
/// <see cref="StateDictSide.OfNewModel"/>: a new model target's values are its seed's alone (what <c>apply --seed</c>
/// writes for the tensors a target keeps), whatever torch's process-wide generator gave the constructor.
/// </summary>
public sealed class NewModelTargetTests
{
    [Fact]
    public void Two_new_models_drawn_from_one_seed_are_identical_and_another_seed_differs()
    {
        Dictionary<string, byte[]> first = Drawn(seed: 3), second = Drawn(seed: 3), other = Drawn(seed: 4);

        Assert.Equal(first.Keys, second.Keys);
        Assert.All(first, kv => Assert.Equal(kv.Value, second[kv.Key]));
        Assert.NotEqual(first["fc.7.weight"], other["fc.7.weight"]);
    }

    [Fact]
    public void A_user_module_with_a_layer_seeded_init_does_not_know_keeps_every_constructor_value()
    {
        using torch.nn.Module gain = new AssemblyModel(
            UserModelsAssembly.Path, "MyNamespace.GainNet", new Dictionary<string, ModelArgument> { ["classes"] = ModelArgument.Scalar("3") }).Create();
        Dictionary<string, byte[]> before = TinyRun.State(gain);

        using StateDictSide side = StateDictSide.OfNewModel(gain, "GainNet", 3);

        Assert.All(TinyRun.State(gain), kv => Assert.Equal(before[kv.Key], kv.Value));
    }

    /// <summary>A new LeNet6 (its constructor drawing from the process-wide generator) as a target drawn from <paramref name="seed"/>.</summary>
    private static Dictionary<string, byte[]> Drawn(long seed)
    {
        torch.nn.Module model = ModelRegistry.Create("LeNet6");
        using StateDictSide side = StateDictSide.OfNewModel(model, "LeNet6", seed); // owns and disposes the model
        return TinyRun.State(model);
    }
}
