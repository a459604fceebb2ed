using System.Globalization;
using Transfer.Rules.Errors;

namespace Transfer.Cli.Commands;

/// <summary>Parses the arguments <c>export</c> and <c>evaluate</c> share (<c>--model-option</c>, <c>--mean</c>, <c>--std</c>); bad values are <see cref="Invalid"/>.</summary>
internal static class ModelArguments
{
    /// <summary><c>key=value</c> pairs as a dictionary; a pair without a key is refused.</summary>
    public static Dictionary<string, string> Options(IEnumerable<string> pairs, string option = "--model-option")
    {
        Dictionary<string, string> options = new(StringComparer.Ordinal);
        foreach (string pair in pairs)
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new Invalid($"{option} must be key=value, not '{pair}'.");
            }

            options[pair[..equals].Trim()] = pair[(equals + 1)..].Trim();
        }

        return options;
    }

    /// <summary>Comma-separated numbers, or null when the option was not given.</summary>
    public static float[]? Floats(string option, string? text)
    {
        if (text is null)
        {
            return null;
        }

        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        float[] values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new Invalid($"{option} must be comma-separated numbers, not '{text}'.");
            }
        }

        return values;
    }

    /// <summary>A bad argument: exit 2 with the one-line message.</summary>
    internal sealed class Invalid(string message) : TransferException(message);
}
