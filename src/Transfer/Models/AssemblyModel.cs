using TorchSharp;
using Transfer.Models.UserAssemblies;

namespace Transfer.Models;

/// <summary>
/// A module type from an assembly the user built (<c>model: { assembly: MyModels.dll, type: MyNamespace.MyNet,
/// args: { classes: 5 } }</c>), created by its public constructor with arguments by name. Unlike a checkpoint,
/// whose pickles Transfer never runs, this runs the user's code: the user asked for it by naming the assembly.
/// The assembly loads in its own load context, its dependencies resolved from its folder (its
/// <c>.deps.json</c>), while TorchSharp and every other assembly the application carries bind to the
/// application's copy, so the module is the same <see cref="torch.nn.Module"/> type Transfer works with.
/// </summary>
/// <param name="AssemblyPath">The assembly file (.dll).</param>
/// <param name="TypeName">The module's full type name (<c>MyNamespace.MyNet</c>; nested types as <c>Outer+Inner</c>).</param>
/// <param name="Arguments">Constructor arguments by parameter name; parameters not given keep their defaults.</param>
public sealed record AssemblyModel(string AssemblyPath, string TypeName, IReadOnlyDictionary<string, ModelArgument> Arguments)
{
    /// <summary>Creates a fresh module (the constructor's own initialisation).</summary>
    /// <exception cref="ModelConfigException">
    /// The file is missing or not a .NET assembly, the type is missing or not a module, no public constructor
    /// takes these arguments, an argument does not convert to its parameter's type, or the constructor threw.
    /// </exception>
    public torch.nn.Module Create() => ModuleFactory.Create(this);

    /// <summary>Checks what <see cref="Create"/> would refuse, short of running the constructor (no user code runs).</summary>
    /// <exception cref="ModelConfigException">As <see cref="Create"/>, except for a constructor that throws.</exception>
    internal void Check() => ModuleFactory.Check(this);

    /// <summary>The type name, as reports show the model.</summary>
    public override string ToString() => TypeName;
}
