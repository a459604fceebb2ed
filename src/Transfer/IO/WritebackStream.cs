using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Transfer.IO;

/// <summary>
/// A write-only pass-through over a file that, on Linux, asks the kernel to start writing each finished
/// 32 MiB to disk while the rest is still being produced (<c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>, which
/// does not wait). The closing fsync then only waits for the tail, so a large atomic write costs about the
/// time of producing it rather than that plus the whole flush. Elsewhere, or if the call is refused, it is a
/// plain pass-through: the fsync still makes the data durable. As an <see cref="IFileRangeSink"/> it also
/// appends ranges of other files inside the kernel (<c>copy_file_range</c>), so a tensor streamed from one
/// checkpoint into another never passes through this process.
/// </summary>
internal sealed partial class WritebackStream(FileStream inner) : Stream, IFileRangeSink
{
    private const long Window = 32L << 20;
    private const uint SyncFileRangeWrite = 2;
    private long _written;
    private long _started;
    private bool _enabled = OperatingSystem.IsLinux();
    private bool _copyEnabled = OperatingSystem.IsLinux();

    public override bool CanRead => false;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => true;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        Advanced();
    }

    /// <inheritdoc />
    public bool TryCopyFrom(SafeFileHandle source, long offset, long length, uint? crc)
    {
        if (!_copyEnabled || length == 0)
        {
            return false;
        }

        inner.Flush(flushToDisk: false);
        long start = inner.Position;
        long from = offset;
        long to = start;
        while (to - start < length)
        {
            long n = CopyFileRange(source, ref from, inner.SafeFileHandle, ref to,
                (nuint)Math.Min(length - (to - start), 1L << 30), 0);
            if (n <= 0 && to == start)
            {
                // Not supported here (another file system, an old kernel): the caller copies the bytes itself.
                _copyEnabled = false;
                return false;
            }

            if (n <= 0)
            {
                throw new IOException($"copy_file_range stopped after {to - start} of {length} bytes (errno {Marshal.GetLastPInvokeError()})");
            }
        }

        inner.Position = start + length;
        Advanced();
        return true;
    }

    private void Advanced()
    {
        _written = Math.Max(_written, inner.Position);
        if (_enabled && _written - _started >= Window)
        {
            inner.Flush(flushToDisk: false);
            long end = _written - (_written % Window);
            if (StartWriteback(inner.SafeFileHandle, _started, end - _started) != 0)
            {
                _enabled = false;
            }

            _started = end;
        }
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void SetLength(long value) => throw new NotSupportedException();

    private static int StartWriteback(SafeFileHandle handle, long offset, long count) =>
        SyncFileRange(handle, offset, count, SyncFileRangeWrite);

    // The handles are marshalled as SafeFileHandle, so they are ref-counted for the call and cannot be closed
    // (and their numbers reused) underneath it; the descriptor travels in a full register, which the C ABI
    // reads as the int fd.
    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long nbytes, uint flags);

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial long CopyFileRange(SafeFileHandle fdIn, ref long offIn, SafeFileHandle fdOut, ref long offOut, nuint length, uint flags);
}
