namespace Transfer.Rules;

/// <summary>
/// How a target tensor that no source fills gets its value. The random kinds use PyTorch's
/// <c>torch.nn.init</c> defaults, so a head initialised here is distributed as one PyTorch would make.
/// </summary>
public enum InitKind
{
    /// <summary>Keep the target's own values (the default): the model's initialisation or the target file's tensor.</summary>
    Keep,

    /// <summary>All zeros (any dtype), as <c>nn.init.zeros_</c>.</summary>
    Zeros,

    /// <summary>Normal with the given mean and std (default 0 and 1), as <c>nn.init.normal_</c>.</summary>
    Normal,

    /// <summary>
    /// <c>nn.init.kaiming_normal_</c> with its defaults (a = 0, mode fan_in, leaky_relu): normal with mean 0 and
    /// std sqrt(2 / fan_in). Needs 2 or more dimensions.
    /// </summary>
    KaimingNormal,

    /// <summary>
    /// <c>nn.init.kaiming_uniform_</c> with its defaults (a = 0, mode fan_in, leaky_relu): uniform on
    /// [-b, b] with b = sqrt(6 / fan_in). Needs 2 or more dimensions.
    /// </summary>
    KaimingUniform,

    /// <summary>
    /// <c>nn.init.xavier_uniform_</c> with gain 1: uniform on [-b, b] with b = sqrt(6 / (fan_in + fan_out)).
    /// Needs 2 or more dimensions.
    /// </summary>
    XavierUniform,
}
