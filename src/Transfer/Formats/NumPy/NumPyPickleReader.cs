using Transfer.Formats.PyTorch;
using Transfer.Rules;

namespace Transfer.Formats.NumPy;

/// <summary>
/// Reads a bare pickle of a dict of NumPy arrays (detectron2's and Caffe2's <c>.pkl</c>, a MegEngine-style
/// state dict), protocols 2 to 5, through the allowlist unpickler with <see cref="NumPyReconstruction"/>. The
/// state dict is found as in a PyTorch checkpoint dict (<c>--key</c>, else the top level when it holds arrays,
/// else <c>state_dict</c>, <c>model_state_dict</c>, <c>model</c>, <c>module</c> or Caffe2's <c>blobs</c>); dicts
/// nested inside it are flattened with <c>.</c>-joined names, other values skipped; the top level's numbers and
/// strings become metadata. Array bytes stay in the file and are read when the tensor is: raw bytes
/// (protocols 3 to 5, Python 2's strings) as they are, and protocol 2's latin-1 text from Python 3 decoded as it
/// is read (<see cref="Latin1Text"/>); only texts and strings under 64 KiB are decoded while the pickle is read.
/// </summary>
internal static class NumPyPickleReader
{
    private static readonly string[] StateDictKeys = ["state_dict", "model_state_dict", "model", "module", "blobs"];

    public static Checkpoint Read(TensorFile file, string? stateDictKey)
    {
        string path = file.Path;
        object root = Unpickler.LoadBare(path, new PickleInput(file, 0, file.Length), new NumPyReconstruction(file));
        if (root is not PickleDict top || Arrays(path, top).Count == 0)
        {
            throw new CheckpointFormatException(path,
                "this bare pickle holds no NumPy arrays; Transfer reads a bare pickle only as a dict of them (detectron2 or Caffe2 .pkl), so save PyTorch tensors with torch.save(model.state_dict(), f)");
        }

        var (found, key) = PyTorchCheckpointReader.FindStateDict(path, top, stateDictKey, static value => value is NumPyArray, StateDictKeys);
        // A bare pickle makes no stand-ins, so what was found is a dict.
        PickleDict stateDict = (PickleDict)found;
        List<CheckpointTensor> tensors = [.. Arrays(path, stateDict).Select(a => Tensor(file, a.Name, a.Array))];
        Dictionary<string, string> metadata = new(StringComparer.Ordinal);
        foreach (var (name, value) in top.Items)
        {
            if (name is string text && PyTorchCheckpointReader.Scalar(value) is string scalar)
            {
                metadata[text] = scalar;
            }
        }

        return new Checkpoint(path, "numpy", key, metadata, tensors, file);
    }

    /// <summary>
    /// The arrays in <paramref name="dict"/> and the dicts nested in it, in order, named by their keys joined with
    /// <c>.</c>. A dict met twice (a cycle, or one dict under two keys) and a name given twice are refused.
    /// </summary>
    private static List<(string Name, NumPyArray Array)> Arrays(string path, PickleDict dict)
    {
        List<(string, NumPyArray)> arrays = [];
        HashSet<PickleDict> seen = [dict];
        HashSet<string> names = new(StringComparer.Ordinal);
        Stack<(string? Prefix, IEnumerator<KeyValuePair<object, object?>> Items)> open = new();
        open.Push((null, dict.Items.GetEnumerator()));
        while (open.Count > 0)
        {
            var (prefix, items) = open.Peek();
            if (!items.MoveNext())
            {
                open.Pop();
                continue;
            }

            var (key, value) = items.Current;
            if (value is not (NumPyArray or PickleDict))
            {
                continue;
            }

            string name = key is string text
                ? prefix is null ? text : $"{prefix}.{text}"
                : throw new CheckpointFormatException(path, $"the pickle has {(value is NumPyArray ? "an array" : "a dict")} under a key that is not a string{(prefix is null ? "" : $" in '{prefix}'")}");
            if (value is PickleDict nested)
            {
                if (!seen.Add(nested))
                {
                    throw new CheckpointFormatException(path, $"the dict under '{name}' appears twice in the pickle (a cycle or a shared dict), which a state dict never has");
                }

                open.Push((name, nested.Items.GetEnumerator()));
                continue;
            }

            if (!names.Add(name))
            {
                throw new CheckpointFormatException(path, $"array name '{name}' is given twice (once by joining nested dicts' keys with '.')");
            }

            arrays.Add((name, (NumPyArray)value));
        }

        return arrays;
    }

    private static CheckpointTensor Tensor(TensorFile file, string name, NumPyArray array)
    {
        string path = file.Path;
        if (array.DType is not NumPyDType dtype)
        {
            throw new CheckpointFormatException(path, $"array '{name}' was never given its state (shape, dtype and data)");
        }

        DType type = dtype.Type ?? throw new CheckpointFormatException(path,
            $"array '{name}' has NumPy dtype '{dtype.Description}', which Transfer does not read (it reads {NumPyDType.ReadableCodes})");
        long bytes = TensorShape.ByteCount(path, name, type, array.Shape);
        if (array.DataLength != bytes)
        {
            throw new CheckpointFormatException(path,
                $"array '{name}' ({type.Name} {TensorSpec.FormatShape(array.Shape)}) needs {bytes} bytes but its pickle holds {array.DataLength}");
        }

        // Fortran order differs from C order only when two or more dimensions are longer than one.
        bool fortran = array.Fortran && array.Shape.Count(size => size != 1) > 1;
        TensorSource source = array.Data is PickleBytes inFile && !fortran && !dtype.BigEndian
            ? new ContiguousSource(file, inFile.FileOffset, bytes)
            : new NumPySource(file, array.Data!, type.Size, array.Shape, fortran, dtype.BigEndian);
        return new CheckpointTensor(new TensorSpec(name, type.Name, array.Shape), source);
    }
}
