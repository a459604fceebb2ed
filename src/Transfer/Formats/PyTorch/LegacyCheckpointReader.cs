using System.Buffers.Binary;

namespace Transfer.Formats.PyTorch;

/// <summary>
/// Reads a legacy (pre-1.6, non-zip) <c>torch.save</c> file: five pickles back to back (magic number,
/// protocol version 1001, <c>sys_info</c>, the saved object, the list of storage keys), then each listed
/// storage as an int64 element count and its raw little-endian bytes. The pickles go through the same
/// allowlist unpickler as a zip's <c>data.pkl</c>; storages are located by walking their 8-byte headers, so
/// no tensor bytes are read here.
/// </summary>
internal static class LegacyCheckpointReader
{
    /// <summary>PROTO 2, LONG1 0x1950a86a20f9469cfc6c, STOP: the pickled magic number that opens every legacy file.</summary>
    private static readonly byte[] Magic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];

    public static Checkpoint Read(TensorFile file, string? stateDictKey)
    {
        string path = file.Path;
        if (!file.ReadBytes(0, (int)Math.Min(file.Length, Magic.Length)).AsSpan().SequenceEqual(Magic))
        {
            throw new CheckpointFormatException(path, "starts with a pickled number that is not torch.save's legacy magic number, so it is not a checkpoint");
        }

        // The pickles' total length is known only once they are read: each one is read from the file up to its
        // STOP, and the next starts there.
        PickleInput input = new(file, 0, file.Length);
        input.Read(Magic.Length);
        Dictionary<string, StorageRef> named = new(StringComparer.Ordinal);
        object protocol = Unpickler.LoadLegacyPart(path, input, "protocol version pickle", named);
        if (protocol is not 1001L)
        {
            throw new CheckpointFormatException(path, "legacy torch.save protocol version is not 1001, the only one PyTorch writes");
        }

        object sysInfo = Unpickler.LoadLegacyPart(path, input, "sys_info pickle", named);
        if (sysInfo is not PickleDict info || !info.TryGet("little_endian", out object? little) || little is not bool isLittle)
        {
            throw new CheckpointFormatException(path, "sys_info pickle does not say whether the file is little-endian");
        }

        if (!isLittle)
        {
            throw new CheckpointFormatException(path, "big-endian torch.save files are not supported");
        }

        SortedSet<string> classes = new(StringComparer.Ordinal);
        object root = Unpickler.LoadLegacyPart(path, input, "pickled object", named, classes);
        object keys = Unpickler.LoadLegacyPart(path, input, "storage key list", named);
        if (keys is not List<object> list || list.Any(k => k is not string))
        {
            throw new CheckpointFormatException(path, "storage key list is not a list of strings");
        }

        Dictionary<string, StorageBlock> blocks = Storages(file, input.Position, list.Cast<string>(), named);
        return PyTorchCheckpointReader.Assemble(file, root, "the pickled object", stateDictKey, classes, code: null, (name, key) =>
            blocks.TryGetValue(key, out StorageBlock? block)
                ? block
                : throw new CheckpointFormatException(path, $"tensor '{name}' needs storage '{key}', which the file's storage key list does not name"));
    }

    /// <summary>Walks the storage headers after the pickles, checking each against what the pickle said of it.</summary>
    private static Dictionary<string, StorageBlock> Storages(TensorFile file, long offset, IEnumerable<string> keys, Dictionary<string, StorageRef> byKey)
    {
        string path = file.Path;
        Dictionary<string, StorageBlock> blocks = new(StringComparer.Ordinal);
        long at = offset;
        foreach (string key in keys)
        {
            if (!byKey.TryGetValue(key, out StorageRef? storage))
            {
                throw new CheckpointFormatException(path, $"storage '{key}' is listed but no tensor names it, so its element size is unknown");
            }

            if (blocks.ContainsKey(key))
            {
                throw new CheckpointFormatException(path, $"storage '{key}' is listed twice");
            }

            if (at > file.Length - 8)
            {
                throw new CheckpointFormatException(path, $"the file ends at offset {file.Length}, inside the header of storage '{key}'");
            }

            long count = BinaryPrimitives.ReadInt64LittleEndian(file.ReadBytes(at, 8));
            if (count != storage.ElementCount)
            {
                throw new CheckpointFormatException(path, $"storage '{key}' at offset {at} holds {count} elements, but the pickle says {storage.ElementCount}");
            }

            long bytes = count > (file.Length - at - 8) / storage.DType.Size ? -1 : count * storage.DType.Size;
            if (bytes < 0)
            {
                throw new CheckpointFormatException(path, $"storage '{key}' needs {count} elements of {storage.DType.Size} bytes at offset {at + 8}, past the end of the file ({file.Length} bytes)");
            }

            blocks[key] = new StorageBlock("storage", key, at + 8, bytes);
            at += 8 + bytes;
        }

        if (at != file.Length)
        {
            throw new CheckpointFormatException(path, $"has {file.Length - at} bytes after its last storage");
        }

        return blocks;
    }
}
