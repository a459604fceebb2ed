namespace Transfer.Formats.PyTorch;

/// <summary>Where one storage's bytes lie in a checkpoint file, and how errors should name it.</summary>
internal sealed record StorageBlock(string Description, long DataOffset, long Size);
