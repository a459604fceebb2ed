using Microsoft.Win32.SafeHandles;

namespace Transfer.IO;

/// <summary>
/// An output that can take a byte range of another open file without the bytes passing through this
/// process (Linux <c>copy_file_range</c>). Writers stream tensors into it; a false answer means "write the
/// bytes yourself", never an error.
/// </summary>
internal interface IFileRangeSink
{
    /// <summary>
    /// Appends <paramref name="length"/> bytes of <paramref name="source"/> from <paramref name="offset"/>,
    /// or returns false having written nothing.
    /// </summary>
    /// <param name="source">The file to copy from.</param>
    /// <param name="offset">Where the range starts in it.</param>
    /// <param name="length">How many bytes.</param>
    /// <param name="crc">The CRC-32 of exactly those bytes, when the source file records it (already checked against them).</param>
    bool TryCopyFrom(SafeFileHandle source, long offset, long length, uint? crc);
}
