using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace Transfer.Formats;

/// <summary>
/// An open checkpoint file that tensors read from. Contiguous tensors are read with positional reads
/// straight into tensor memory (no staging copy, and no mapped pages left counting toward the process's
/// resident memory); strided views gather through a memory mapping created on first use.
/// </summary>
internal sealed class TensorFile : IDisposable
{
    private const int Chunk = 1 << 24;
    private readonly SafeFileHandle handle;
    private MemoryMappedFile? map;
    private MemoryMappedViewAccessor? view;
    private unsafe byte* pointer;

    public TensorFile(string path)
    {
        Path = path;
        handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Length = RandomAccess.GetLength(handle);
    }

    public string Path { get; }

    /// <summary>The open file, for kernel-side copies out of it.</summary>
    public SafeFileHandle Handle => handle;

    public long Length { get; }

    /// <summary>Reads exactly <paramref name="count"/> bytes at <paramref name="offset"/> into a new array (headers only).</summary>
    public byte[] ReadBytes(long offset, int count)
    {
        if (offset < 0 || count < 0 || offset > Length - count)
        {
            throw new CheckpointFormatException(Path, $"expected {count} bytes at offset {offset}, but the file has {Length} bytes");
        }

        byte[] buffer = new byte[count];
        ReadExactly(offset, buffer);
        return buffer;
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>, which the caller checked lies in the file.</summary>
    public void ReadExactly(long offset, Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (n == 0)
            {
                throw new CheckpointFormatException(Path, $"the file ended at offset {offset + done}");
            }

            done += n;
        }
    }

    public unsafe void Read(long offset, byte* destination, long length)
    {
        CheckRange(offset, length);
        long done = 0;
        while (done < length)
        {
            int want = (int)Math.Min(Chunk, length - done);
            int n = RandomAccess.Read(handle, new Span<byte>(destination + done, want), offset + done);
            if (n == 0)
            {
                throw new CheckpointFormatException(Path, $"the file ended at offset {offset + done}");
            }

            done += n;
        }
    }

    /// <summary>Streams the range to <paramref name="output"/>, adding the bytes to <paramref name="crc"/> when given.</summary>
    public void CopyTo(long offset, long length, Stream output, System.IO.Hashing.Crc32? crc = null)
    {
        CheckRange(offset, length);
        byte[] buffer = new byte[(int)Math.Min(Chunk, Math.Max(length, 1))];
        long done = 0;
        while (done < length)
        {
            int want = (int)Math.Min(buffer.Length, length - done);
            int n = RandomAccess.Read(handle, buffer.AsSpan(0, want), offset + done);
            if (n == 0)
            {
                throw new CheckpointFormatException(Path, $"the file ended at offset {offset + done}");
            }

            crc?.Append(buffer.AsSpan(0, n));
            output.Write(buffer, 0, n);
            done += n;
        }
    }

    public unsafe byte* MapPointer()
    {
        if (pointer == null)
        {
            map = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            pointer = p + view.PointerOffset;
        }

        return pointer;
    }

    public unsafe void Dispose()
    {
        if (pointer != null)
        {
            view!.SafeMemoryMappedViewHandle.ReleasePointer();
            pointer = null;
        }

        view?.Dispose();
        map?.Dispose();
        handle.Dispose();
    }

    private void CheckRange(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset > Length - length)
        {
            throw new CheckpointFormatException(Path, $"tensor bytes [{offset}, {offset}+{length}) run past the end of the file ({Length} bytes)");
        }
    }
}
