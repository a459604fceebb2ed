namespace Transfer.Formats.PyTorch;

/// <summary>
/// The state dict of a TorchScript archive (<c>torch.jit.save</c> of a scripted or traced module), read the
/// way <c>scripted.state_dict()</c> reads the loaded module. Its <c>data.pkl</c> holds each module as a
/// <c>__torch__</c> class instance whose BUILD dict is the module's attribute slots in order: parameters,
/// buffers and submodules are plain attributes there, told apart by the class's <c>__parameters__</c> and
/// <c>__buffers__</c> declarations in <c>code/</c> (<see cref="TorchScriptCode"/>). A module lists its
/// parameters (skipping None) in slot order, then its buffers, then each submodule under its name and a dot.
/// TorchScript keeps no record of non-persistent buffers, so, as in PyTorch, they are listed too.
/// </summary>
internal static class TorchScriptStateDict
{
    private const string Fallback = "; save a state dict instead: torch.save(model.state_dict(), f)";

    /// <summary>The state dict's names and tensors in <c>state_dict()</c> order; <paramref name="root"/> must be a module.</summary>
    public static List<KeyValuePair<string, TensorRef>> Walk(string path, PickleObject root, TorchScriptCode code)
    {
        if (!code.Find(root.Class).IsModule)
        {
            throw new CheckpointFormatException(path, $"TorchScript archive holds an object of class '{root.Class.FullName}', which code/ does not declare a Module{Fallback}");
        }

        List<KeyValuePair<string, TensorRef>> entries = [];
        int visits = 0;
        Visit(path, root, code, "", 0, [], entries, ref visits);
        return entries;
    }

    private static void Visit(string path, PickleObject module, TorchScriptCode code, string prefix, int depth, HashSet<PickleObject> ancestors,
        List<KeyValuePair<string, TensorRef>> entries, ref int visits)
    {
        string where = prefix.Length == 0 ? "the top module" : $"module '{prefix.TrimEnd('.')}'";
        if (depth > ModuleStateDict.MaxDepth)
        {
            throw new CheckpointFormatException(path, $"modules nest more than {ModuleStateDict.MaxDepth} levels deep, at '{prefix.TrimEnd('.')}'{Fallback}");
        }

        if (++visits > ModuleStateDict.MaxVisits)
        {
            throw new CheckpointFormatException(path, $"the module tree has more than {ModuleStateDict.MaxVisits} modules counting each shared one once per name{Fallback}");
        }

        if (!ancestors.Add(module))
        {
            throw new CheckpointFormatException(path, $"{where} is the same module as one of its parents (a cycle), so it has no state dict{Fallback}");
        }

        if (module.OpaqueState is not null)
        {
            throw new CheckpointFormatException(path, $"{where} ({module.Class.FullName}) was built from a state that is not an attribute dict{Fallback}");
        }

        TorchScriptClass declared = code.Find(module.Class);
        PickleDict attributes = module.Attributes;
        Tensors(path, module, attributes, declared.Parameters, prefix, "parameter", entries);
        Tensors(path, module, attributes, declared.Buffers, prefix, "buffer", entries);
        foreach (var (key, value) in attributes.Items)
        {
            if (key is string name && value is PickleObject child && !declared.Parameters.Contains(name) && !declared.Buffers.Contains(name)
                && child.Class.Module.Split('.')[0] == "__torch__" && code.Find(child.Class).IsModule)
            {
                Visit(path, child, code, prefix + name + ".", depth + 1, ancestors, entries, ref visits);
            }
        }

        ancestors.Remove(module);
    }

    private static void Tensors(string path, PickleObject module, PickleDict attributes, IReadOnlySet<string> declared, string prefix, string kind,
        List<KeyValuePair<string, TensorRef>> entries)
    {
        int found = 0;
        foreach (var (key, value) in attributes.Items)
        {
            if (key is not string name || !declared.Contains(name))
            {
                continue;
            }

            found++;
            if (value is PickleNone)
            {
                continue;
            }

            entries.Add(new(prefix + name, value as TensorRef
                ?? throw new CheckpointFormatException(path, $"TorchScript {kind} '{prefix + name}' is {Unpickler.TypeName(value!)}, not a tensor{Fallback}")));
        }

        if (found != declared.Count)
        {
            string missing = declared.First(n => !attributes.TryGet(n, out _));
            throw new CheckpointFormatException(path,
                $"TorchScript class '{module.Class.FullName}' declares {kind} '{missing}', but data.pkl gives {(prefix.Length == 0 ? "the top module" : $"module '{prefix.TrimEnd('.')}'")} no such attribute{Fallback}");
        }
    }
}
