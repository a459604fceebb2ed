using System.Globalization;

namespace Transfer.Formats.Sharded;

/// <summary>
/// Parses a shard size the way Hugging Face writes it (<c>max_shard_size</c>): a number and a unit, where
/// <c>KB</c>, <c>MB</c>, <c>GB</c> are decimal (10^3, 10^6, 10^9 bytes, as Hugging Face counts them) and
/// <c>KiB</c>, <c>MiB</c>, <c>GiB</c> binary; <c>B</c> or no unit means bytes. The number may have a fraction
/// (<c>1.5GB</c>); the result is rounded down to whole bytes and must be at least 1.
/// </summary>
internal static class ShardSize
{
    private static readonly (string Unit, long Bytes)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30),
        ("kB", 1_000), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
    ];

    /// <summary>The size in bytes, or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static long? TryParse(string text, out string? problem)
    {
        problem = null;
        string trimmed = text.Trim();
        (string unit, long scale) = Units.FirstOrDefault(u => trimmed.EndsWith(u.Unit, StringComparison.Ordinal));
        if (unit is null && trimmed.Length > 0 && char.IsLetter(trimmed[^1]))
        {
            problem = trimmed.EndsWith('b')
                ? $"'{text}' is not a size: write bytes with a capital B (500MB, 5GB, 1.5GB, 100KB, 512MiB); Hugging Face reads a small b as bits"
                : $"'{text}' is not a size: use a number and B, KB, MB, GB, KiB, MiB or GiB (500MB, 5GB)";
            return null;
        }

        string number = unit is null ? trimmed : trimmed[..^unit.Length].TrimEnd();
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value))
        {
            problem = $"'{text}' is not a size: use a number and B, KB, MB, GB, KiB, MiB or GiB (500MB, 5GB)";
            return null;
        }

        decimal bytes;
        try
        {
            bytes = decimal.Floor(value * (unit is null ? 1 : scale));
        }
        catch (OverflowException)
        {
            bytes = decimal.MaxValue;
        }

        if (bytes < 1 || bytes > long.MaxValue)
        {
            problem = $"'{text}' is not a usable shard size: it must be at least 1 byte and at most {long.MaxValue} bytes";
            return null;
        }

        return (long)bytes;
    }
}
