namespace Transfer.Formats.PyTorch;

/// <summary>
/// Where one storage's bytes lie in a checkpoint file, how errors should name it, and the CRC-32 its file
/// records for exactly those bytes (a zip member's), if any, shared by every tensor of the storage so the
/// bytes are checked once. Errors name it <see cref="Description"/>: <c>{kind} '{name}'</c>, built on demand.
/// </summary>
internal sealed record StorageBlock(string Kind, string Name, long DataOffset, long Size, RecordedCrc? Crc = null)
{
    public string Description => $"{Kind} '{Name}'";
}
