namespace Transfer.Formats.PyTorch;

/// <summary>
/// A bytes value (BINBYTES, BYTEARRAY8, a Python 2 BINSTRING) left in its file: where it starts and how long it
/// is. The unpickler skips over such bytes instead of reading them, so an array's data is read only when the
/// array is.
/// </summary>
internal sealed record PickleBytes(long FileOffset, long Length);
