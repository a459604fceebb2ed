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
