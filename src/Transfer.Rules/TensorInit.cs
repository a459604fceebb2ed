using System.Globalization;
using Transfer.Rules.Errors;

namespace Transfer.Rules;

/// <summary>
/// An init policy with its parameters, as a plan records it for each target tensor no source fills. Make one
/// with <see cref="Of"/> or <see cref="Normal"/>; <see cref="ToString"/> is how every report prints it
/// (<c>kaiming_normal</c>, <c>normal(mean=0, std=0.01)</c>).
/// </summary>
public sealed record TensorInit
{
    private TensorInit(InitKind kind, double mean, double std)
    {
        Kind = kind;
        Mean = mean;
        Std = std;
    }

    /// <summary>Keep the target's own values.</summary>
    public static TensorInit Keep { get; } = new(InitKind.Keep, 0, 0);

    /// <summary>The policy.</summary>
    public InitKind Kind { get; }

    /// <summary>The mean of <see cref="InitKind.Normal"/>; 0 for other kinds.</summary>
    public double Mean { get; }

    /// <summary>The standard deviation of <see cref="InitKind.Normal"/>; 0 for other kinds.</summary>
    public double Std { get; }

    /// <summary>True when the values are drawn from a random generator (every kind but keep and zeros).</summary>
    public bool IsRandom => Kind is not (InitKind.Keep or InitKind.Zeros);

    /// <summary>True for the kinds whose scale comes from the tensor's fan in and fan out (kaiming, xavier).</summary>
    public bool NeedsFans => Kind is InitKind.KaimingNormal or InitKind.KaimingUniform or InitKind.XavierUniform;

    /// <summary>A policy without parameters; <see cref="InitKind.Normal"/> gets mean 0 and std 1 (PyTorch's defaults).</summary>
    /// <exception cref="RuleConfigException"><paramref name="kind"/> is not a defined kind.</exception>
    public static TensorInit Of(InitKind kind) => kind switch
    {
        InitKind.Keep => Keep,
        InitKind.Normal => Normal(),
        _ when Enum.IsDefined(kind) => new TensorInit(kind, 0, 0),
        _ => throw new RuleConfigException(
            $"init kind {(int)kind} is not one of keep, zeros, normal, kaiming_normal, kaiming_uniform, xavier_uniform."),
    };

    /// <summary>Normal with <paramref name="mean"/> and <paramref name="std"/>, as <c>nn.init.normal_</c>.</summary>
    /// <exception cref="RuleConfigException">The mean is not finite or the std not positive and finite.</exception>
    public static TensorInit Normal(double mean = 0, double std = 1)
    {
        if (!double.IsFinite(mean))
        {
            throw new RuleConfigException($"init mean must be a finite number, not {Format(mean)}.");
        }

        if (!double.IsFinite(std) || std <= 0)
        {
            throw new RuleConfigException($"init std must be a positive number, not {Format(std)}.");
        }

        return new TensorInit(InitKind.Normal, mean, std);
    }

    /// <summary>
    /// The fans of a weight of <paramref name="shape"/> as <c>torch.nn.init._calculate_fan_in_and_fan_out</c>
    /// computes them: fan_in = size(1) × receptive field, fan_out = size(0) × receptive field, the receptive
    /// field being the product of the sizes after the first two.
    /// </summary>
    /// <exception cref="ArgumentException">The shape has fewer than 2 dimensions.</exception>
    public static (long FanIn, long FanOut) Fans(IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count < 2)
        {
            throw new ArgumentException("Fan in and fan out need a tensor of 2 or more dimensions.", nameof(shape));
        }

        long receptive = 1;
        for (int d = 2; d < shape.Count; d++)
        {
            receptive = checked(receptive * shape[d]);
        }

        return (checked(shape[1] * receptive), checked(shape[0] * receptive));
    }

    /// <summary>
    /// The distribution for a tensor of <paramref name="shape"/>: for the normal kinds the mean and std, for
    /// the uniform kinds the bounds [-b, b] as mean 0 and <c>Scale</c> b. Computed in double precision
    /// exactly as <c>torch.nn.init</c> does (<c>gain / sqrt(fan)</c>, then <c>sqrt(3) × std</c> for uniform).
    /// </summary>
    /// <exception cref="ArgumentException">A kaiming or xavier kind and fewer than 2 dimensions.</exception>
    public (double Mean, double Scale) Distribution(IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        // calculate_gain('leaky_relu', a=0) = sqrt(2 / (1 + 0²)).
        double leakyReluGain = Math.Sqrt(2.0);
        switch (Kind)
        {
            case InitKind.Normal:
                return (Mean, Std);
            case InitKind.KaimingNormal:
                return (0, leakyReluGain / Math.Sqrt(Fans(shape).FanIn));
            case InitKind.KaimingUniform:
                return (0, Math.Sqrt(3.0) * (leakyReluGain / Math.Sqrt(Fans(shape).FanIn)));
            case InitKind.XavierUniform:
                (long fanIn, long fanOut) = Fans(shape);
                return (0, Math.Sqrt(3.0) * (1.0 * Math.Sqrt(2.0 / (fanIn + fanOut))));
            default:
                return (0, 0);
        }
    }

    /// <summary>The policy as reports and rule descriptions print it.</summary>
    public override string ToString() => Kind switch
    {
        InitKind.Keep => "keep",
        InitKind.Zeros => "zeros",
        InitKind.Normal => $"normal(mean={Format(Mean)}, std={Format(Std)})",
        InitKind.KaimingNormal => "kaiming_normal",
        InitKind.KaimingUniform => "kaiming_uniform",
        _ => "xavier_uniform",
    };

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
