using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MyNamespace;

public enum Activation
{
    Relu,
    Tanh,
}

/// <summary>Takes one parameter of every supported kind and records what it was given, for the conversion tests.</summary>
public sealed class ArgumentsNet : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> fc;

    public ArgumentsNet(long[] sizes, int[] widths, Activation activation = Activation.Relu, double dropout = 0.25, float scale = 1.5f,
        bool bias = true, string label = "net", int? seed = null)
        : base(nameof(ArgumentsNet))
    {
        Given = $"sizes=[{string.Join(",", sizes)}] widths=[{string.Join(",", widths)}] activation={activation} dropout={dropout.ToString(CultureInfo.InvariantCulture)} scale={scale.ToString(CultureInfo.InvariantCulture)} bias={bias} label={label} seed={(seed is null ? "null" : seed)}";
        fc = Linear(2, 2, hasBias: bias);
        RegisterComponents();
    }

    public string Given { get; }

    public override Tensor forward(Tensor input) => fc.forward(input);
}
