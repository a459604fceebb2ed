using System.Text;
using Transfer.Rules;

namespace Transfer.Formats.TorchSharp;

/// <summary>
/// Reads TorchSharp's <c>Module.save</c> layout (LEB128 entry count; per entry a .NET length-prefixed UTF-8
/// name, LEB128 ScalarType, rank and dims, then raw little-endian data). Unlike TorchSharp's own loader it
/// bounds every varint, rank and length by what the file can hold, so a hostile file fails fast.
/// </summary>
internal static class TorchSharpReader
{
    /// <summary>
    /// The file read as a TorchSharp file, or null when it is not one (any format error, including an entry
    /// count or name that does not fit); reads the header walk only, never tensor bytes.
    /// </summary>
    public static Checkpoint? TryRead(TensorFile file)
    {
        try
        {
            return Read(file);
        }
        catch (Exception e) when (e is CheckpointFormatException or OverflowException)
        {
            return null;
        }
    }

    public static Checkpoint Read(TensorFile file)
    {
        string path = file.Path;
        Cursor cursor = new(file);
        long count = cursor.Varint("entry count");
        if (count > file.Length / 4)
        {
            throw new CheckpointFormatException(path, $"TorchSharp file: entry count {count} is more than a {file.Length}-byte file can hold (is this a checkpoint file?)");
        }

        List<CheckpointTensor> tensors = [];
        HashSet<string> names = new(StringComparer.Ordinal);
        for (long i = 0; i < count; i++)
        {
            string name = cursor.Name(i);
            if (!names.Add(name))
            {
                throw new CheckpointFormatException(path, $"TorchSharp file: entry {i} repeats the name '{name}'");
            }

            long code = cursor.Varint($"dtype of '{name}'");
            DType dtype = DType.All.FirstOrDefault(d => (long)d.ScalarType == code)
                ?? throw new CheckpointFormatException(path, $"TorchSharp file: entry '{name}' has ScalarType code {code}, which Transfer does not read");
            long rank = cursor.Varint($"rank of '{name}'");
            if (rank > TensorShape.MaxRank)
            {
                throw new CheckpointFormatException(path, $"TorchSharp file: entry '{name}' has rank {rank}, above the limit of {TensorShape.MaxRank}");
            }

            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++)
            {
                shape[d] = cursor.Varint($"shape of '{name}'");
            }

            long bytes = TensorShape.ByteCount(path, name, dtype, shape);
            if (bytes > file.Length - cursor.Position)
            {
                throw new CheckpointFormatException(path, $"TorchSharp file: entry '{name}' of shape {TensorSpec.FormatShape(shape)} needs more bytes than remain after offset {cursor.Position}");
            }

            tensors.Add(new CheckpointTensor(new TensorSpec(name, dtype.Name, shape), new ContiguousSource(file, cursor.Position, bytes)));
            cursor.Skip(bytes);
        }

        if (cursor.Position != file.Length)
        {
            throw new CheckpointFormatException(path, $"TorchSharp file: {file.Length - cursor.Position} unexpected bytes after the last entry at offset {cursor.Position} (is this a checkpoint file?)");
        }

        return new Checkpoint(path, "torchsharp", null, new Dictionary<string, string>(), tensors, file);
    }

    /// <summary>A bounds-checked read position over the header parts of the file.</summary>
    private sealed class Cursor(TensorFile file)
    {
        private const int Block = 4096;
        private byte[] block = [];
        private long blockStart;

        public long Position { get; private set; }

        public void Skip(long bytes) => Position += bytes;

        public long Varint(string what)
        {
            long result = 0;
            for (int shift = 0; shift < 63; shift += 7)
            {
                byte b = Byte(what);
                result |= (long)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw new CheckpointFormatException(file.Path, $"TorchSharp file: the {what} at offset {Position} is a varint longer than 9 bytes");
        }

        public string Name(long index)
        {
            // BinaryWriter.Write(string): 7-bit encoded int32 length, then UTF-8 bytes.
            int length = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (shift > 28)
                {
                    throw new CheckpointFormatException(file.Path, $"TorchSharp file: the name length of entry {index} at offset {Position} is malformed");
                }

                byte b = Byte($"name length of entry {index}");
                length |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            if (length < 0 || length > file.Length - Position)
            {
                throw new CheckpointFormatException(file.Path, $"TorchSharp file: entry {index} has a name of {length} bytes, more than remain after offset {Position}");
            }

            byte[] bytes = file.ReadBytes(Position, length);
            Position += length;
            try
            {
                return new UTF8Encoding(false, true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw new CheckpointFormatException(file.Path, $"TorchSharp file: the name of entry {index} is not valid UTF-8");
            }
        }

        private byte Byte(string what)
        {
            if (Position >= file.Length)
            {
                throw new CheckpointFormatException(file.Path, $"TorchSharp file: the file ended while reading the {what} at offset {Position}");
            }

            if (Position < blockStart || Position >= blockStart + block.Length)
            {
                blockStart = Position;
                block = file.ReadBytes(Position, (int)Math.Min(Block, file.Length - Position));
            }

            byte b = block[Position - blockStart];
            Position++;
            return b;
        }
    }
}
