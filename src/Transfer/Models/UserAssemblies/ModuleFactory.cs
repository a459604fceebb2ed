using System.Reflection;
using TorchSharp;
using Transfer.Rules;
using Transfer.Rules.Errors;

namespace Transfer.Models.UserAssemblies;

/// <summary>
/// Creates an <see cref="AssemblyModel"/>: checks the file, loads it (<see cref="ModelAssemblyContext"/>),
/// finds the module type, picks the public constructor the arguments name (<see cref="ConstructorChoice"/>)
/// and calls it. Every failure is one <see cref="ModelConfigException"/> line naming the assembly and the problem.
/// </summary>
internal static class ModuleFactory
{
    /// <summary>
    /// Everything <see cref="Create"/> checks before it runs the user's code: the file, the type and the constructor
    /// the arguments pick (converted to its parameter types). Nothing of the assembly runs.
    /// </summary>
    public static void Check(AssemblyModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _ = ConstructorChoice.Pick(FindType(model.AssemblyPath, model.TypeName), model.Arguments, model.AssemblyPath);
    }

    public static torch.nn.Module Create(AssemblyModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string path = model.AssemblyPath;
        Type type = FindType(path, model.TypeName);
        (ConstructorInfo constructor, object?[] values) = ConstructorChoice.Pick(type, model.Arguments, path);
        try
        {
            return (torch.nn.Module)constructor.Invoke(values);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            throw new ModelConfigException(
                $"Model type {type.FullName} in {path}: its constructor threw {inner.GetType().Name}: {MessageText.Escape(inner.Message)}", inner);
        }
    }

    private static Type FindType(string path, string typeName)
    {
        if (Directory.Exists(path))
        {
            throw new ModelConfigException($"Model assembly {path} is a folder, not a .dll file.");
        }

        if (!File.Exists(path))
        {
            throw new ModelConfigException($"Model assembly {path}: no such file.");
        }

        string full = Path.GetFullPath(path);
        try
        {
            AssemblyName.GetAssemblyName(full);
        }
        catch (BadImageFormatException)
        {
            throw new ModelConfigException($"Model assembly {path} is not a .NET assembly.");
        }

        Assembly assembly = ModelAssemblyContext.For(full).Assembly;
        Type? type;
        try
        {
            type = assembly.GetType(typeName, throwOnError: false, ignoreCase: false);
        }
        catch (Exception e) when (e is TypeLoadException or FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new ModelConfigException($"Model type {typeName} in {path} does not load: {e.Message}", e);
        }

        if (type is null)
        {
            IReadOnlyList<string> modules = ModuleTypes(assembly);
            string hint = NameSuggestion.Suggest(typeName, modules) is { } best ? $"; did you mean '{best}'?" : string.Empty;
            string known = modules.Count == 0 ? "it holds no public torch.nn.Module type" : $"module types: {string.Join(", ", modules)}";
            throw new ModelConfigException($"Model assembly {path} has no type '{typeName}'{hint} ({known}).");
        }

        if (!typeof(torch.nn.Module).IsAssignableFrom(type))
        {
            throw new ModelConfigException($"Model type {typeName} in {path} is not a torch.nn.Module.");
        }

        if (type.IsAbstract || type.ContainsGenericParameters)
        {
            throw new ModelConfigException(
                $"Model type {typeName} in {path} cannot be created: it is {(type.IsAbstract ? "abstract" : "an open generic type")}.");
        }

        return type;
    }

    /// <summary>The public, creatable module types of the assembly, sorted (what a misspelt type name is compared with).</summary>
    private static IReadOnlyList<string> ModuleTypes(Assembly assembly)
    {
        Type?[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types;
        }

        return types
            .Where(t => t is { IsPublic: true } or { IsNestedPublic: true })
            .Where(t => !t!.IsAbstract && !t.ContainsGenericParameters && typeof(torch.nn.Module).IsAssignableFrom(t))
            .Select(t => t!.FullName!)
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
