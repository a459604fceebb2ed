using System.Buffers.Binary;
using Transfer.Formats.NumPy;
using Transfer.Formats.PyTorch;
using Transfer.Formats.SafeTensors;
using Transfer.Formats.Sharded;
using Transfer.Formats.TorchSharp;
using Transfer.IO;

namespace Transfer.Formats;

/// <summary>
/// Opens any checkpoint Transfer reads. The format is detected from the content, never the extension:
/// a zip is a PyTorch <c>torch.save</c> file, a pickled magic number opens a legacy (pre-1.6) one, an 8-byte
/// length followed by <c>{</c> is safetensors, any other pickle is read as a dict of NumPy arrays (a
/// detectron2 or Caffe2 <c>.pkl</c>), and anything else is tried as a TorchSharp <c>Module.save</c> file. A
/// TorchSharp file whose entry count and first name happen to look like one of those heads is told apart by
/// reading it both ways (see <see cref="ReadUnlessTorchSharp"/>).
/// A Hugging Face sharded checkpoint is opened from its <c>*.safetensors.index.json</c> or
/// <c>*.bin.index.json</c>, or from the folder holding exactly one such index. Opening reads headers and
/// pickles only, never tensor bytes.
/// </summary>
public static class CheckpointReader
{
    /// <summary>Opens <paramref name="path"/>; the caller disposes the result.</summary>
    /// <param name="path">The checkpoint file, or a shard index or the folder holding one.</param>
    /// <param name="stateDictKey">For a PyTorch checkpoint dict or a NumPy pickle, the key holding the state dict; null finds it.</param>
    /// <param name="allowExpansion">
    /// Accept tensors that hold more than 16 × the file's size + 64 MiB (views repeating stored bytes, such as
    /// stride-0 expansions); by default such a file is refused, since reading it all would produce far more
    /// data than it holds.
    /// </param>
    /// <exception cref="CheckpointFormatException">The file is unreadable, corrupt or hostile.</exception>
    public static Checkpoint Open(string path, string? stateDictKey = null, bool allowExpansion = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (ShardedCheckpointReader.Handles(path))
        {
            return ShardedCheckpointReader.Open(path, stateDictKey, allowExpansion);
        }

        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, Directory.Exists(path) ? "is a folder, not a checkpoint file" : "the file does not exist");
        }

        if (RegularFile.Problem(path) is string problem)
        {
            throw new CheckpointFormatException(path, problem);
        }

        TensorFile file = new(path);
        try
        {
            byte[] head = file.ReadBytes(0, (int)Math.Min(16, file.Length));
            Checkpoint checkpoint = Detect(head) switch
            {
                "empty" => throw new CheckpointFormatException(path, "the file is empty"),
                "torchsharp" => TorchSharpReader.Read(file),
                string format => ReadUnlessTorchSharp(file, format, stateDictKey),
            };
            if (stateDictKey is not null && checkpoint.Format is not ("pytorch" or "numpy"))
            {
                throw new CheckpointFormatException(path, $"--key '{stateDictKey}' applies only to PyTorch checkpoint dicts and NumPy pickles, but this is a {checkpoint.Format} file");
            }

            ExpansionLimit.Check(checkpoint, file.Length, allowExpansion);
            return checkpoint;
        }
        catch (OverflowException)
        {
            // Every size is checked where it is read; this only keeps a missed one a format error, not a crash.
            file.Dispose();
            throw new CheckpointFormatException(path, "a size or offset in the file overflows 64-bit arithmetic");
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a file whose head looks like <paramref name="format"/>. A TorchSharp file's head is its LEB128 entry
    /// count and first name, which can look like another format's magic: 128, 256, 384, 512 or 640 entries
    /// encode as <c>0x80 0x01</c>..<c>0x05</c>, a pickle's PROTO opcode; a first name of 138 bytes after 256
    /// entries makes a legacy torch.save magic; a <c>{</c> as the name's seventh byte makes a safetensors
    /// header. So the file is also walked as a complete TorchSharp header (names, dtypes and shapes exactly to
    /// the end of the file; no tensor bytes): if only one reading succeeds it is the file, and if both do, the
    /// file is refused rather than guessed at.
    /// </summary>
    private static Checkpoint ReadUnlessTorchSharp(TensorFile file, string format, string? stateDictKey)
    {
        Checkpoint? asTorchSharp = TorchSharpReader.TryRead(file);
        if (asTorchSharp is null)
        {
            return ReadAs(file, format, stateDictKey);
        }

        Checkpoint other;
        try
        {
            other = ReadAs(file, format, stateDictKey);
        }
        catch (Exception e) when (e is CheckpointFormatException or OverflowException)
        {
            return asTorchSharp;
        }

        throw new CheckpointFormatException(file.Path,
            $"the file reads completely both as a TorchSharp Module.save file of {asTorchSharp.Tensors.Count} tensors and as a {Described(other.Format)}; Transfer does not guess which it is, so re-save it with the tool that wrote it (as safetensors, say)");
    }

    private static Checkpoint ReadAs(TensorFile file, string format, string? stateDictKey) => format switch
    {
        "pytorch" => PyTorchCheckpointReader.Read(file, stateDictKey),
        "safetensors" => SafeTensorsReader.Read(file),
        "legacy" => LegacyCheckpointReader.Read(file, stateDictKey),
        _ => NumPyPickleReader.Read(file, stateDictKey),
    };

    private static string Described(string format) => format switch
    {
        "numpy" => "pickle of NumPy arrays",
        "pytorch" => "PyTorch checkpoint",
        _ => $"{format} file",
    };

    private static string Detect(byte[] head)
    {
        if (head.Length == 0)
        {
            return "empty";
        }

        if (head.Length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4)
        {
            return "pytorch";
        }

        if (head.Length >= 9 && head[8] == '{' && BinaryPrimitives.ReadUInt64LittleEndian(head) >= 2)
        {
            return "safetensors";
        }

        // A legacy torch.save file starts with a pickled magic number: PROTO 2, LONG1 0x1950a86a20f9469cfc6c.
        if (head.Length >= 3 && head[0] == 0x80 && head[1] == 2 && head[2] == 0x8a)
        {
            return "legacy";
        }

        if (head.Length >= 2 && head[0] == 0x80 && head[1] <= 5)
        {
            return "pickle";
        }

        // A pickle of a protocol above 5 (none exists yet) would still open with PROTO and FRAME: refuse it as a pickle.
        if (head.Length >= 3 && head[0] == 0x80 && head[2] == 0x95)
        {
            return "pickle";
        }

        return "torchsharp";
    }
}
