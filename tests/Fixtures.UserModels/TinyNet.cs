using MyLayers;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MyNamespace;

/// <summary>
/// A small classifier of flattened images: <c>body</c> (inputs → hidden, ReLU) and <c>head</c> (hidden → classes),
/// state-dict keys <c>body.linear.weight</c>, <c>body.linear.bias</c>, <c>head.linear.weight</c>, <c>head.linear.bias</c>.
/// </summary>
public sealed class TinyNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> body;
    private readonly Module<Tensor, Tensor> head;

    public TinyNet(int classes, int hidden = 16, long inputs = 784)
        : base(nameof(TinyNet))
    {
        body = new Dense(inputs, hidden, relu: true);
        head = new Dense(hidden, classes, relu: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using Tensor flat = input.flatten(1);
        using Tensor hidden = body.forward(flat);
        return head.forward(hidden);
    }
}
