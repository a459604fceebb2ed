using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;

namespace Transfer.Models.UserAssemblies;

/// <summary>
/// The load context of one user assembly. Its own dependencies come from its folder through
/// <see cref="AssemblyDependencyResolver"/> (the assembly's <c>.deps.json</c>); an assembly the application
/// itself carries (TorchSharp, Transfer, the framework) is left to the default context, even when a copy sits
/// beside the user's assembly, so <c>torch.nn.Module</c> in the user's code is the very type Transfer uses.
/// One context per assembly file version and process: creating a model twice loads the assembly once, and a
/// rebuilt file (new size or time) loads afresh.
/// </summary>
internal sealed class ModelAssemblyContext : AssemblyLoadContext
{
    private static readonly ConcurrentDictionary<(string Path, DateTime Written, long Size), Lazy<ModelAssemblyContext>> Contexts = new();
    private static readonly Lazy<HashSet<string>> HostAssemblies = new(HostAssemblyNames);

    private readonly AssemblyDependencyResolver _resolver;

    private ModelAssemblyContext(string path)
        : base($"transfer-model:{System.IO.Path.GetFileName(path)}", isCollectible: false)
    {
        _resolver = new AssemblyDependencyResolver(path);
        Assembly = LoadFromAssemblyPath(path);
    }

    /// <summary>The user's assembly.</summary>
    public Assembly Assembly { get; }

    /// <summary>The context of the assembly at <paramref name="fullPath"/>, loading it the first time.</summary>
    public static ModelAssemblyContext For(string fullPath)
    {
        FileInfo file = new(fullPath);
        return Contexts.GetOrAdd(
            (fullPath, file.LastWriteTimeUtc, file.Length),
            _ => new Lazy<ModelAssemblyContext>(() => new ModelAssemblyContext(fullPath))).Value;
    }

    /// <inheritdoc />
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is { } name && HostAssemblies.Value.Contains(name))
        {
            return null; // the default context's copy: one TorchSharp, one Transfer
        }

        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    /// <inheritdoc />
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

    /// <summary>The simple names of the application's assemblies: its trusted platform list and what is already loaded.</summary>
    private static HashSet<string> HostAssemblyNames()
    {
        HashSet<string> names = new(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string list)
        {
            foreach (string path in list.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                names.Add(System.IO.Path.GetFileNameWithoutExtension(path));
            }
        }

        foreach (Assembly loaded in Default.Assemblies)
        {
            if (loaded.GetName().Name is { } name)
            {
                names.Add(name);
            }
        }

        return names;
    }
}
