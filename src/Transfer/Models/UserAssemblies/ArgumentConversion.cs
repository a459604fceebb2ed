using System.Globalization;
using Transfer.Rules;

namespace Transfer.Models.UserAssemblies;

/// <summary>
/// Converts a <see cref="ModelArgument"/> (text from YAML or the command line) to a constructor parameter's
/// type: <c>int</c>, <c>long</c>, <c>float</c>, <c>double</c>, <c>bool</c>, <c>string</c>, enums (by name,
/// any case), nullable forms of these, and arrays of them (a list, or one comma-separated value). Invariant
/// culture; a value that does not convert is a one-line <see cref="ModelConfigException"/> naming the argument,
/// its type and the text.
/// </summary>
internal static class ArgumentConversion
{
    public static object? Convert(ModelArgument argument, Type type, string where, string name)
    {
        if (type.IsArray && type.GetArrayRank() == 1 && type.GetElementType() is { } element && Supported(element))
        {
            IReadOnlyList<string> items = argument.Items
                ?? (argument.Text!.Trim().Length == 0 ? [] : argument.Text.Split(',', StringSplitOptions.TrimEntries));
            Array array = Array.CreateInstance(element, items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                array.SetValue(Scalar(items[i], element, where, name, type), i);
            }

            return array;
        }

        if (!Supported(type))
        {
            throw new ModelConfigException(
                $"{where}: argument '{name}' is a {TypeName(type)}, which cannot be given as text (supported: int, long, float, double, bool, string, enums and arrays of them).");
        }

        if (argument.Items is not null)
        {
            throw new ModelConfigException($"{where}: argument '{name}' ({TypeName(type)}) takes one value, not a list.");
        }

        return Scalar(argument.Text!, type, where, name, type);
    }

    /// <summary>The C# name of a type as messages show it: <c>int</c>, <c>long[]</c>, <c>Mode</c>.</summary>
    public static string TypeName(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return TypeName(inner) + "?";
        }

        if (type.IsArray)
        {
            return TypeName(type.GetElementType()!) + "[]";
        }

        return Type.GetTypeCode(type) switch
        {
            _ when type.IsEnum => type.Name,
            TypeCode.Int32 => "int",
            TypeCode.Int64 => "long",
            TypeCode.Single => "float",
            TypeCode.Double => "double",
            TypeCode.Boolean => "bool",
            TypeCode.String => "string",
            _ => type.Name,
        };
    }

    private static bool Supported(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsEnum || Type.GetTypeCode(t) is TypeCode.Int32 or TypeCode.Int64 or TypeCode.Single or TypeCode.Double or TypeCode.Boolean or TypeCode.String;
    }

    private static object? Scalar(string text, Type type, string where, string name, Type declared)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        if (t != type && text is "null" or "~")
        {
            return null;
        }

        if (t.IsEnum)
        {
            string[] names = Enum.GetNames(t);
            string? match = names.FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                string hint = NameSuggestion.Suggest(text, names) is { } best ? $" (did you mean '{best}'?)" : string.Empty;
                throw new ModelConfigException(
                    $"{where}: argument '{name}' ({TypeName(declared)}) must be one of {string.Join(", ", names)}, got '{text}'{hint}.");
            }

            return Enum.Parse(t, match);
        }

        object? value = Type.GetTypeCode(t) switch
        {
            TypeCode.Int32 => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i) ? i : null,
            TypeCode.Int64 => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) ? l : null,
            TypeCode.Single => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) ? f : null,
            TypeCode.Double => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null,
            TypeCode.Boolean => text.ToLowerInvariant() switch { "true" => true, "false" => false, _ => null },
            _ => text,
        };
        return value ?? throw new ModelConfigException(
            $"{where}: argument '{name}' ({TypeName(declared)}) must be {Expected(t)}, got '{text}'.");
    }

    private static string Expected(Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Int32 => "a 32-bit integer",
        TypeCode.Int64 => "a 64-bit integer",
        TypeCode.Single or TypeCode.Double => "a number",
        _ => "true or false",
    };
}
