namespace Transfer.Rules.Tests;

/// <summary>Tiny state-dict specs built in the tests, as fvcore's tests build tiny models.</summary>
internal static class Models
{
    public static TensorSpec F32(string name, params long[] shape) => new(name, "float32", shape);

    public static TensorSpec[] LeNet5 { get; } =
    [
        F32("conv.0.weight", 6, 1, 5, 5), F32("conv.0.bias", 6),
        F32("conv.3.weight", 16, 6, 5, 5), F32("conv.3.bias", 16),
        F32("fc.1.weight", 120, 400), F32("fc.1.bias", 120),
        F32("fc.3.weight", 84, 120), F32("fc.3.bias", 84),
        F32("fc.5.weight", 10, 84), F32("fc.5.bias", 10),
    ];

    public static TensorSpec[] LeNet6 { get; } =
    [
        .. LeNet5[..8],
        F32("fc.5.weight", 64, 84), F32("fc.5.bias", 64),
        F32("fc.7.weight", 10, 64), F32("fc.7.bias", 10),
    ];

    /// <summary>LeNet5 saved from a container named <c>moon</c>: moon.0 … moon.11 in the same order.</summary>
    public static TensorSpec[] Moon { get; } =
    [
        F32("moon.0.weight", 6, 1, 5, 5), F32("moon.0.bias", 6),
        F32("moon.3.weight", 16, 6, 5, 5), F32("moon.3.bias", 16),
        F32("moon.7.weight", 120, 400), F32("moon.7.bias", 120),
        F32("moon.9.weight", 84, 120), F32("moon.9.bias", 84),
        F32("moon.11.weight", 10, 84), F32("moon.11.bias", 10),
    ];

    /// <summary>LeNet5 saved from a DataParallel wrapper.</summary>
    public static TensorSpec[] DataParallelLeNet5 { get; } =
        LeNet5.Select(s => s with { Name = "module." + s.Name }).ToArray();

    /// <summary>The tail of a ResNet-18 with its ImageNet head.</summary>
    public static TensorSpec[] ResNetImageNet { get; } =
    [
        F32("conv1.weight", 64, 3, 7, 7), F32("bn1.weight", 64), F32("bn1.bias", 64),
        F32("bn1.running_mean", 64), F32("bn1.running_var", 64), new("bn1.num_batches_tracked", "int64", []),
        F32("layer4.1.conv2.weight", 512, 512, 3, 3),
        F32("fc.weight", 1000, 512), F32("fc.bias", 1000),
    ];

    /// <summary>The same ResNet with a 10-class head.</summary>
    public static TensorSpec[] ResNetTenClasses { get; } =
    [
        .. ResNetImageNet[..7],
        F32("fc.weight", 10, 512), F32("fc.bias", 10),
    ];
}
