using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MyNamespace;

/// <summary>Not a module at all.</summary>
public sealed class NotAModule
{
    public NotAModule(int classes) => Classes = classes;

    public int Classes { get; }
}

/// <summary>A module whose constructor refuses its argument, with a message spanning lines.</summary>
public sealed class ThrowingNet : Module<Tensor, Tensor>
{
    public ThrowingNet(int classes)
        : base(nameof(ThrowingNet)) =>
        throw new ArgumentOutOfRangeException(nameof(classes), "classes must be even\nsecond line");

    public override Tensor forward(Tensor input) => input;
}

/// <summary>A module only a factory inside the assembly can make.</summary>
public sealed class HiddenNet : Module<Tensor, Tensor>
{
    private HiddenNet()
        : base(nameof(HiddenNet))
    {
    }

    public static HiddenNet Make() => new();

    public override Tensor forward(Tensor input) => input;
}

/// <summary>Two constructors the same argument names fit.</summary>
public sealed class TwoWayNet : Module<Tensor, Tensor>
{
    public TwoWayNet(int classes)
        : base(nameof(TwoWayNet))
    {
    }

    public TwoWayNet(int classes, int hidden = 8)
        : base(nameof(TwoWayNet))
    {
    }

    public override Tensor forward(Tensor input) => input;
}

/// <summary>A module with a parameter of its own (not in a Linear or convolution), which a run cannot draw from its seed.</summary>
public sealed class GainNet : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Parameter gain;

    public GainNet(int classes)
        : base(nameof(GainNet))
    {
        gain = Parameter(ones(classes));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => input.flatten(1)[.., ..(int)gain.shape[0]] * gain;
}
