using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MyLayers;

/// <summary>A Linear layer with an optional ReLU, in its own assembly so loading UserModels.dll needs this one too.</summary>
public sealed class Dense : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> linear;
    private readonly bool _relu;

    public Dense(long inputs, long outputs, bool relu)
        : base(nameof(Dense))
    {
        linear = Linear(inputs, outputs);
        _relu = relu;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        Tensor x = linear.forward(input);
        if (!_relu)
        {
            return x;
        }

        using (x)
        {
            return functional.relu(x);
        }
    }
}
