using System.Reflection;
using Transfer.Rules;

namespace Transfer.Models.UserAssemblies;

/// <summary>
/// Picks the public constructor of a module type that takes exactly the named arguments (every argument
/// is one of its parameters, every parameter without a default is given) and converts the arguments to
/// its parameter types (<see cref="ArgumentConversion"/>). Never guesses: no fitting constructor, or
/// several, is a one-line <see cref="ModelConfigException"/> naming the arguments and constructors.
/// </summary>
internal static class ConstructorChoice
{
    public static (ConstructorInfo Constructor, object?[] Values) Pick(Type type, IReadOnlyDictionary<string, ModelArgument> arguments, string path)
    {
        string where = $"Model type {type.FullName} in {path}";
        ConstructorInfo[] constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        if (constructors.Length == 0)
        {
            throw new ModelConfigException($"{where} has no public constructor.");
        }

        string[] given = arguments.Keys.Order(StringComparer.Ordinal).ToArray();
        ConstructorInfo[] fitting = constructors.Where(c => Fits(c, given)).ToArray();
        if (fitting.Length > 1)
        {
            throw new ModelConfigException(
                $"{where}: the arguments ({string.Join(", ", given)}) fit {fitting.Length} constructors, {string.Join(" and ", fitting.Select(Signature))}; give an argument only one of them takes.");
        }

        if (fitting.Length == 0)
        {
            throw new ModelConfigException(NoFit(where, constructors, given));
        }

        ConstructorInfo constructor = fitting[0];
        object?[] values = constructor.GetParameters()
            .Select(p => arguments.TryGetValue(p.Name!, out ModelArgument? argument)
                ? ArgumentConversion.Convert(argument, p.ParameterType, where, p.Name!)
                : p.DefaultValue)
            .ToArray();
        return (constructor, values);
    }

    private static bool Fits(ConstructorInfo constructor, string[] given)
    {
        ParameterInfo[] parameters = constructor.GetParameters();
        return given.All(name => parameters.Any(p => p.Name == name))
            && parameters.All(p => p.HasDefaultValue || given.Contains(p.Name, StringComparer.Ordinal));
    }

    private static string NoFit(string where, ConstructorInfo[] constructors, string[] given)
    {
        List<string> names = constructors.SelectMany(c => c.GetParameters()).Select(p => p.Name!).Distinct(StringComparer.Ordinal).ToList();
        if (given.FirstOrDefault(g => !names.Contains(g, StringComparer.Ordinal)) is { } unknown)
        {
            string hint = NameSuggestion.Suggest(unknown, names) is { } best ? $" did you mean '{best}'?" : string.Empty;
            string known = names.Count == 0 ? "its constructor takes none." : $"arguments: {string.Join(", ", names)}.";
            return $"{where} has no constructor argument '{unknown}';{hint} {known}";
        }

        if (constructors.Length == 1)
        {
            ParameterInfo missing = constructors[0].GetParameters().First(p => !p.HasDefaultValue && !given.Contains(p.Name, StringComparer.Ordinal));
            return $"{where} needs constructor argument '{missing.Name}' ({ArgumentConversion.TypeName(missing.ParameterType)}).";
        }

        string arguments = given.Length == 0 ? "no arguments" : $"the arguments ({string.Join(", ", given)})";
        return $"{where}: no public constructor takes {arguments}; constructors: {string.Join(", ", constructors.Select(Signature))}.";
    }

    /// <summary><c>(int classes, int hidden = 16)</c>.</summary>
    private static string Signature(ConstructorInfo constructor) =>
        "(" + string.Join(", ", constructor.GetParameters().Select(p =>
            $"{ArgumentConversion.TypeName(p.ParameterType)} {p.Name}" + (p.HasDefaultValue ? $" = {Show(p.DefaultValue)}" : string.Empty))) + ")";

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
