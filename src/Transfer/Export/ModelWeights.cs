using System.Globalization;
using System.Security.Cryptography;
using TorchSharp;
using Transfer.Formats;
using Transfer.Models;

namespace Transfer.Export;

/// <summary>
/// Loads a weights file into a model only when it is exactly that model's state dict: every key present,
/// no key left over, every shape equal. Exporting weights that only partly fit would ship a model that
/// computes something nobody trained, so anything else is refused naming the first offending key.
/// </summary>
public static class ModelWeights
{
    /// <summary>Copies every tensor of <paramref name="path"/> into <paramref name="model"/>.</summary>
    /// <param name="model">The model to fill; untouched when the file does not fit.</param>
    /// <param name="path">A checkpoint in any readable format, or a sharded checkpoint's index or the folder holding it.</param>
    /// <param name="stateDictKey">The entry of a PyTorch checkpoint dict that holds the state dict.</param>
    /// <returns>
    /// The SHA-256 (lower-case hex) of the file, to record where the exported model came from; for a sharded
    /// checkpoint, of its index followed by its shards in name order (<c>cat index shards… | sha256sum</c>).
    /// </returns>
    /// <exception cref="OnnxExportException">A key is missing, extra or shaped differently.</exception>
    public static string LoadExact(torch.nn.Module model, string path, string? stateDictKey = null) =>
        LoadExact(model, path, stateDictKey, out _);

    /// <summary>As <see cref="LoadExact(torch.nn.Module, string, string?)"/>, also giving the files read.</summary>
    /// <param name="model">The model to fill; untouched when the file does not fit.</param>
    /// <param name="path">A checkpoint in any readable format, or a sharded checkpoint's index or the folder holding it.</param>
    /// <param name="stateDictKey">The entry of a PyTorch checkpoint dict that holds the state dict.</param>
    /// <param name="files">The checkpoint file, or a sharded checkpoint's index and then its shards, in hash order.</param>
    internal static string LoadExact(torch.nn.Module model, string path, string? stateDictKey, out IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using Checkpoint checkpoint = CheckpointReader.Open(path, stateDictKey);
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(checkpoint.Path)) ?? ".";
        files = checkpoint.Shards.Count == 0 ? [checkpoint.Path] : [checkpoint.Path, .. checkpoint.Shards.Select(s => System.IO.Path.Combine(folder, s))];
        Dictionary<string, CheckpointTensor> byName = checkpoint.Tensors.ToDictionary(t => t.Spec.Name, StringComparer.Ordinal);
        IReadOnlyList<KeyValuePair<string, torch.Tensor>> targets = StateDictOrder.Entries(model);
        string[] missing = targets.Select(t => t.Key).Where(k => !byName.ContainsKey(k)).ToArray();
        string[] extra = byName.Keys.Except(targets.Select(t => t.Key), StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
        {
            string what = missing.Length > 0 ? $"lacks '{missing[0]}'{More(missing)}" : $"has '{extra[0]}'{More(extra)} that the model does not";
            throw new OnnxExportException($"Weights {path} do not fit {model.GetType().Name}: the file {what}.");
        }

        foreach ((string key, torch.Tensor target) in targets)
        {
            IReadOnlyList<long> shape = byName[key].Spec.Shape;
            if (!shape.SequenceEqual(target.shape))
            {
                throw new OnnxExportException(
                    $"Weights {path} do not fit {model.GetType().Name}: '{key}' is [{string.Join(", ", shape)}] in the file but [{string.Join(", ", target.shape)}] in the model.");
            }
        }

        using (torch.no_grad())
        {
            foreach ((string key, torch.Tensor target) in targets)
            {
                using torch.Tensor value = byName[key].Load();
                target.copy_(value);
            }
        }

        using IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        foreach (string file in files)
        {
            using FileStream stream = File.OpenRead(file);
            for (int read; (read = stream.Read(buffer)) > 0;)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string More(string[] keys) =>
        keys.Length > 1 ? string.Create(CultureInfo.InvariantCulture, $" and {keys.Length - 1} more") : string.Empty;
}
