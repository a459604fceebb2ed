using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace Transfer.Formats;

/// <summary>
/// An open checkpoint file that tensors read from. Contiguous tensors are read with positional reads
/// straight into tensor memory (no staging copy, and no mapped pages left counting toward the process's
/// resident memory); strided views gather through a memory mapping created on first use.
/// </summary>
/// <remarks>
/// Safe for several threads at once: the mapping is created once under a lock, every copy holds a
/// <see cref="Lease"/> that keeps the handle and the mapping alive, and <see cref="Dispose"/> only marks the
/// file closed while copies run (they stop at their next chunk with <see cref="ObjectDisposedException"/>);
/// the last lease to go releases the mapping and the handle.
/// </remarks>
internal sealed class TensorFile : IDisposable
{
    private const int Chunk = 1 << 24;
    private readonly SafeFileHandle handle;
    private readonly Lock gate = new();
    private MemoryMappedFile? map;
    private MemoryMappedViewAccessor? view;
    private unsafe byte* pointer;
    private int leases;
    private volatile bool disposed;

    public TensorFile(string path)
    {
        Path = path;
        handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Length = RandomAccess.GetLength(handle);
    }

    public string Path { get; }

    /// <summary>The open file, for kernel-side copies out of it; use it only while holding a <see cref="Use"/> lease.</summary>
    public SafeFileHandle Handle => handle;

    /// <summary>Marks a copy in progress, keeping the handle and the mapping alive until the lease is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed.</exception>
    public Lease Use()
    {
        lock (gate)
        {
            ThrowIfDisposed();
            leases++;
        }

        return new Lease(this);
    }

    /// <summary>Throws once the checkpoint is disposed, so a copy running on another thread stops cleanly.</summary>
    public void ThrowIfDisposed()
    {
        if (disposed)
        {
            throw new ObjectDisposedException(null, $"{Path}: the checkpoint is disposed; keep it open until its tensors are read.");
        }
    }

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
        using Lease lease = Use();
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
        using Lease lease = Use();
        long done = 0;
        while (done < length)
        {
            ThrowIfDisposed();
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
        using Lease lease = Use();
        long done = 0;
        while (done < length)
        {
            ThrowIfDisposed();
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

    /// <summary>The start of the whole file mapped into memory, created once; call it only while holding a <see cref="Use"/> lease.</summary>
    public unsafe byte* MapPointer()
    {
        lock (gate)
        {
            ThrowIfDisposed();
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
    }

    /// <summary>Closes the file now, or when the last copy in progress ends; later reads throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            if (leases > 0)
            {
                return;
            }
        }

        Close();
    }

    private void Release()
    {
        lock (gate)
        {
            if (--leases > 0 || !disposed)
            {
                return;
            }
        }

        Close();
    }

    private unsafe void Close()
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

    /// <summary>One copy in progress; disposing it lets a disposed file close.</summary>
    public readonly struct Lease(TensorFile file) : IDisposable
    {
        public void Dispose() => file.Release();
    }
}
