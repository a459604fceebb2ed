using System.Text;
using Transfer.Formats.PyTorch;
using Transfer.Formats.SafeTensors;

namespace Transfer.Formats;

/// <summary>
/// What a state dict must satisfy before a writer may start: every name and shape must be one the output
/// format holds and Transfer's own reader reads back unchanged. Checked in full before the output file is
/// touched, so a refused write leaves nothing behind; each problem is one sentence naming the tensor.
/// </summary>
internal static class WritableNames
{
    /// <summary>Refuses, naming the output file, the first thing <paramref name="format"/> cannot hold.</summary>
    public static void Check(string path, string format, IReadOnlyList<WritableTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        HashSet<string> names = new(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++)
        {
            WritableTensor tensor = tensors[i];
            if (!IsValidUnicode(tensor.Name))
            {
                throw Refuse(path, $"the name of tensor {i} is not valid Unicode (it has an unpaired surrogate), so no checkpoint format can hold it");
            }

            if (!names.Add(tensor.Name))
            {
                throw Refuse(path, $"the state dict names '{tensor.Name}' twice");
            }

            if (tensor.Shape.Length > TensorShape.MaxRank)
            {
                throw Refuse(path, $"tensor '{tensor.Name}' has rank {tensor.Shape.Length}, above the limit of {TensorShape.MaxRank}");
            }
        }

        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (!IsValidUnicode(key) || !IsValidUnicode(value))
            {
                throw Refuse(path, "a metadata key or value is not valid Unicode (it has an unpaired surrogate)");
            }
        }

        switch (format)
        {
            case "safetensors":
                if (names.Contains("__metadata__"))
                {
                    throw Refuse(path, "safetensors reserves the name '__metadata__' for the header's metadata, so a tensor of that name cannot be written; rename it or choose another output format");
                }

                break;
            case "pytorch":
                // One zip member per tensor, plus data.pkl, byteorder and version.
                if (tensors.Count > ZipDirectory.MaxMembers - 3)
                {
                    throw Refuse(path, $"a .pt file holds at most {ZipDirectory.MaxMembers - 3} tensors (one zip member each), but the state dict has {tensors.Count}");
                }

                foreach (WritableTensor tensor in tensors)
                {
                    if (Encoding.UTF8.GetByteCount(tensor.Name) > Unpickler.MaxString)
                    {
                        throw Refuse(path, $"tensor {Describe(tensor.Name)} has a name longer than {Unpickler.MaxString} bytes, the longest string a .pt file's pickle is read with");
                    }
                }

                long pickle = PickleWriter.StateDict(tensors).Length;
                if (pickle > PyTorchCheckpointReader.MaxPickle)
                {
                    throw Refuse(path, $"the state dict's data.pkl would be {pickle} bytes, above the {PyTorchCheckpointReader.MaxPickle}-byte limit .pt files are read with (too many or too long tensor names)");
                }

                break;
        }
    }

    /// <summary>Refuses a safetensors header longer than the format allows (very many or very long names).</summary>
    public static void CheckSafeTensorsHeader(string path, long headerLength)
    {
        if (headerLength > SafeTensorsReader.MaxHeader)
        {
            throw Refuse(path, $"the safetensors header would be {headerLength} bytes, above the format's limit of {SafeTensorsReader.MaxHeader} (too many or too long tensor names)");
        }
    }

    private static bool IsValidUnicode(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A name for a message: quoted, and cut in the middle when very long.</summary>
    private static string Describe(string name) => name.Length <= 80 ? $"'{name}'" : $"'{name[..40]}…{name[^40..]}'";

    private static CheckpointFormatException Refuse(string path, string problem) => new(path, problem);
}
