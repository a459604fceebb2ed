namespace Transfer.Formats.PyTorch;

/// <summary>
/// Which globals a pickle may name beyond the tensor-rebuild allowlist, and the few constructor-like calls
/// rebuilt without running them. Any other global is taken as a class and becomes an inert
/// <see cref="PickleObject"/> when NEWOBJ or <c>copyreg._reconstructor</c> instantiates it; calling it (REDUCE)
/// is refused. Names from modules that run programs, evaluate or import code, or reach files and sockets
/// (<c>os</c>, <c>posix</c>, <c>subprocess</c>, <c>builtins</c>, …) are refused where they are named, since no
/// model keeps its state in them: refusing there stops a hostile pickle before it has built anything.
/// </summary>
internal static class StandIns
{
    /// <summary>
    /// The constructor-like callables REDUCE rebuilds, each a plain value with no code behind it:
    /// <c>copyreg._reconstructor(cls, object, None)</c> (protocol 0/1 instances: <c>object.__new__(cls)</c>),
    /// <c>set(list)</c> (a module's <c>_non_persistent_buffers_set</c>), <c>torch.device(type[, index])</c>,
    /// and TorchScript's typed-list and type-tag identities (<c>torch.jit._pickle.build_intlist(list)</c> is
    /// the list). <c>object</c> is named as <c>_reconstructor</c>'s base.
    /// </summary>
    private static readonly HashSet<string> Constructors =
    [
        "copyreg._reconstructor",
        "copy_reg._reconstructor",
        "__builtin__.set",
        "builtins.set",
        "__builtin__.object",
        "builtins.object",
        "torch.device",
        "torch.jit._pickle.build_intlist",
        "torch.jit._pickle.build_floatlist",
        "torch.jit._pickle.build_doublelist",
        "torch.jit._pickle.build_boollist",
        "torch.jit._pickle.build_tensorlist",
        "torch.jit._pickle.restore_type_tag",
    ];

    private static readonly HashSet<string> CodeModules =
    [
        "os", "posix", "nt", "sys", "subprocess", "commands", "builtins", "__builtin__", "shutil", "socket",
        "importlib", "runpy", "pty", "ctypes", "code", "codeop", "pickle", "_pickle", "cPickle", "marshal",
        "webbrowser", "operator", "functools", "types", "io", "_io", "multiprocessing", "signal", "tempfile",
        "pdb", "timeit", "platform", "asyncio", "urllib", "http",
    ];

    /// <summary>
    /// True when a pickle may name <paramref name="module"/>.<paramref name="name"/> as a stand-in class or a
    /// constructor: a dotted Python identifier outside the code-running modules.
    /// </summary>
    public static bool MayName(string module, string name)
    {
        if (Constructors.Contains($"{module}.{name}"))
        {
            return true;
        }

        string top = module.Split('.')[0];
        return !CodeModules.Contains(top) && IsDottedIdentifier(module) && IsDottedIdentifier(name);
    }

    /// <summary>True when NEWOBJ may make a stand-in instance of <paramref name="type"/>: any named class but the constructors.</summary>
    public static bool IsClass(PickleGlobal type) => !Constructors.Contains(type.FullName);

    /// <summary>
    /// The value of a constructor-like REDUCE, or null when <paramref name="callable"/> is not one or its
    /// arguments are not the plain ones it takes. <paramref name="instantiate"/> makes a stand-in instance.
    /// </summary>
    public static object? Reduce(PickleGlobal callable, object?[] a, Func<PickleGlobal, PickleObject> instantiate) => callable.FullName switch
    {
        "copyreg._reconstructor" or "copy_reg._reconstructor"
            when a is [PickleGlobal type, PickleGlobal { FullName: "__builtin__.object" or "builtins.object" }, PickleNone] && IsClass(type)
            => instantiate(type),
        "__builtin__.set" or "builtins.set" when a.Length == 0 => new PickleSet([]),
        "__builtin__.set" or "builtins.set" when a is [List<object> items] => new PickleSet([.. items]),
        "torch.device" when a is [string] or [string, long] => Device(callable, a),
        "torch.jit._pickle.build_intlist" or "torch.jit._pickle.build_floatlist" or "torch.jit._pickle.build_doublelist"
            or "torch.jit._pickle.build_boollist" or "torch.jit._pickle.build_tensorlist" when a is [List<object> list] => list,
        "torch.jit._pickle.restore_type_tag" when a is [{ } value, string] => value,
        _ => null,
    };

    private static PickleObject Device(PickleGlobal type, object?[] a)
    {
        PickleObject device = new(type);
        device.Attributes.Set("type", a[0]);
        device.Attributes.Set("index", a.Length > 1 ? a[1] : PickleNone.Value);
        return device;
    }

    private static bool IsDottedIdentifier(string text)
    {
        if (text.Length == 0)
        {
            return false;
        }

        foreach (string part in text.Split('.'))
        {
            if (part.Length == 0 || char.IsAsciiDigit(part[0]) || !part.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
