namespace Transfer.Formats.PyTorch;

/// <summary>
/// The state dict of a <c>torch.save(model)</c> pickle, read from its inert module stand-ins the way
/// <c>Module.state_dict()</c> walks live modules: a module's <c>_parameters</c> (skipping None), then its
/// <c>_buffers</c> (skipping None and the names in <c>_non_persistent_buffers_set</c>), then each of its
/// <c>_modules</c> (skipping None) under its name and a dot. A stand-in is a module when its instance dict
/// holds <c>_parameters</c>, <c>_buffers</c> and <c>_modules</c>, all three dicts: <c>Module.__init__</c> makes
/// them for every <c>torch.nn.Module</c>, whatever its class. A shared submodule is listed under each of its
/// names, as PyTorch lists it; a cycle, a tree deeper than <see cref="MaxDepth"/> or a walk longer than
/// <see cref="MaxVisits"/> modules is refused, as are state-dict hooks, which only the module's own code could apply.
/// </summary>
internal static class ModuleStateDict
{
    /// <summary>The deepest module nesting read (PyTorch's own recursion limit stops far sooner in practice).</summary>
    public const int MaxDepth = 100;

    /// <summary>The most modules one walk visits, counting a shared submodule once per name.</summary>
    public const int MaxVisits = 100_000;

    private const string Fallback = "; save a state dict instead: torch.save(model.state_dict(), f)";

    /// <summary>True when <paramref name="value"/> is a module stand-in, by the rule above.</summary>
    public static bool IsModule(object? value) =>
        value is PickleObject o && o.Attribute("_parameters") is PickleDict && o.Attribute("_buffers") is PickleDict && o.Attribute("_modules") is PickleDict;

    /// <summary>The state dict's names and tensors in <c>state_dict()</c> order.</summary>
    public static List<KeyValuePair<string, TensorRef>> Walk(string path, PickleObject module)
    {
        List<KeyValuePair<string, TensorRef>> entries = [];
        int visits = 0;
        Visit(path, module, "", 0, [], entries, ref visits);
        return entries;
    }

    private static void Visit(string path, PickleObject module, string prefix, int depth, HashSet<PickleObject> ancestors,
        List<KeyValuePair<string, TensorRef>> entries, ref int visits)
    {
        if (depth > MaxDepth)
        {
            throw new CheckpointFormatException(path, $"modules nest more than {MaxDepth} levels deep, at '{prefix.TrimEnd('.')}'{Fallback}");
        }

        if (++visits > MaxVisits)
        {
            throw new CheckpointFormatException(path, $"the module tree has more than {MaxVisits} modules counting each shared one once per name{Fallback}");
        }

        if (!ancestors.Add(module))
        {
            throw new CheckpointFormatException(path, $"{Where(prefix)} is the same module as one of its parents (a cycle in _modules), so it has no state dict{Fallback}");
        }

        if (module.Attribute("_state_dict_hooks") is PickleDict { Items.Count: > 0 })
        {
            throw new CheckpointFormatException(path, $"{Where(prefix)} ({module.Class.FullName}) has state-dict hooks, which only its own code could apply{Fallback}");
        }

        HashSet<object> skipped = NonPersistent(path, module, prefix);
        Tensors(path, (PickleDict)module.Attribute("_parameters")!, prefix, "parameter", skipped: null, entries);
        Tensors(path, (PickleDict)module.Attribute("_buffers")!, prefix, "buffer", skipped, entries);
        foreach (var (key, value) in ((PickleDict)module.Attribute("_modules")!).Items)
        {
            string name = prefix + Name(path, key, prefix, "submodule");
            if (value is PickleNone)
            {
                continue;
            }

            if (!IsModule(value))
            {
                throw new CheckpointFormatException(path,
                    $"submodule '{name}' is {Unpickler.TypeName(value!)}, not a torch.nn.Module (no _parameters, _buffers and _modules dicts){Fallback}");
            }

            Visit(path, (PickleObject)value!, name + ".", depth + 1, ancestors, entries, ref visits);
        }

        ancestors.Remove(module);
    }

    private static void Tensors(string path, PickleDict tensors, string prefix, string kind, HashSet<object>? skipped,
        List<KeyValuePair<string, TensorRef>> entries)
    {
        foreach (var (key, value) in tensors.Items)
        {
            string name = prefix + Name(path, key, prefix, kind);
            if (value is PickleNone || (skipped is not null && skipped.Contains(key)))
            {
                continue;
            }

            entries.Add(new(name, value as TensorRef
                ?? throw new CheckpointFormatException(path, $"module {kind} '{name}' is {Unpickler.TypeName(value!)}, not a tensor{Fallback}")));
        }
    }

    private static HashSet<object> NonPersistent(string path, PickleObject module, string prefix) => module.Attribute("_non_persistent_buffers_set") switch
    {
        null => [],
        PickleSet set => [.. set.Items],
        var other => throw new CheckpointFormatException(path,
            $"{Where(prefix)} has a _non_persistent_buffers_set that is {Unpickler.TypeName(other)}, not a set{Fallback}"),
    };

    private static string Name(string path, object key, string prefix, string kind) =>
        key as string ?? throw new CheckpointFormatException(path, $"{Where(prefix)} has a {kind} whose name is not a string");

    private static string Where(string prefix) => prefix.Length == 0 ? "the top module" : $"module '{prefix.TrimEnd('.')}'";
}
