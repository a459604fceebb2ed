using TorchSharp;

namespace Transfer.Models;

/// <summary>
/// A model's state dict in PyTorch's order. TorchSharp's <c>state_dict()</c> lists every parameter before
/// every buffer; PyTorch walks the module tree and lists each module's own parameters, then its own
/// buffers, then its children. Files and reports use PyTorch's order so they read the same in both worlds.
/// </summary>
public static class StateDictOrder
{
    /// <summary>The state-dict entries of <paramref name="model"/> in the order PyTorch would list them.</summary>
    /// <remarks>The tensors are the model's own (not copies); the caller must not dispose them.</remarks>
    public static IReadOnlyList<KeyValuePair<string, torch.Tensor>> Entries(torch.nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Dictionary<string, torch.Tensor> state = model.state_dict();
        List<KeyValuePair<string, torch.Tensor>> ordered = new(state.Count);
        HashSet<string> seen = new(StringComparer.Ordinal);
        Walk(model, string.Empty, state, ordered, seen);

        // Anything the walk could not attribute keeps TorchSharp's order at the end rather than vanishing.
        ordered.AddRange(state.Where(kv => !seen.Contains(kv.Key)));
        return ordered;
    }

    private static void Walk(
        torch.nn.Module module,
        string prefix,
        Dictionary<string, torch.Tensor> state,
        List<KeyValuePair<string, torch.Tensor>> ordered,
        HashSet<string> seen)
    {
        IEnumerable<string> own = module.named_parameters(recurse: false).Select(p => p.name)
            .Concat(module.named_buffers(recurse: false).Select(b => b.name));
        foreach (string name in own)
        {
            string key = prefix + name;
            if (state.TryGetValue(key, out torch.Tensor? tensor) && seen.Add(key))
            {
                ordered.Add(new KeyValuePair<string, torch.Tensor>(key, tensor));
            }
        }

        foreach ((string name, torch.nn.Module child) in module.named_children())
        {
            Walk(child, prefix + name + ".", state, ordered, seen);
        }
    }
}
