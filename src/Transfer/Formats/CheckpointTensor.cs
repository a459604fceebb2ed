using System.Security.Cryptography;
using TorchSharp;
using Transfer.Rules;

namespace Transfer.Formats;

/// <summary>
/// One named tensor of an open <see cref="Checkpoint"/>. Its spec is known from the header alone; its bytes
/// are read only when <see cref="Load"/> or <see cref="Sha256"/> is called, so planning against a large
/// checkpoint costs no tensor I/O.
/// </summary>
public sealed class CheckpointTensor
{
    private readonly TensorSource source;

    internal CheckpointTensor(TensorSpec spec, TensorSource source)
    {
        Spec = spec;
        this.source = source;
    }

    /// <summary>The tensor's name, dtype and shape as the file declares them.</summary>
    public TensorSpec Spec { get; }

    /// <summary>
    /// Reads the tensor into a new contiguous CPU tensor with exactly the file's dtype, shape and values.
    /// The caller owns (and disposes) the result.
    /// </summary>
    public torch.Tensor Load()
    {
        DType dtype = DType.FromName(Spec.DType)!;
        torch.Tensor tensor = torch.empty([.. Spec.Shape], dtype.ScalarType);
        try
        {
            unsafe
            {
                TensorBytes.WithPointer(tensor, source.CopyTo);
            }

            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the tensor's contiguous bytes (exactly <paramref name="length"/>, its byte count) to
    /// <paramref name="destination"/>, such as the storage of a contiguous CPU tensor of the same dtype and
    /// shape. Safe to call from several threads at once.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The checkpoint was disposed.</exception>
    internal unsafe void ReadInto(byte* destination, long length)
    {
        if (length != ByteCount)
        {
            throw new InvalidOperationException($"'{Spec.Name}' has {ByteCount} bytes, not {length}.");
        }

        source.CopyTo(destination, length);
    }

    /// <summary>True when <see cref="ReadPart"/> works: the file holds the tensor contiguously.</summary>
    internal bool HasParts => source.HasParts;

    /// <summary>
    /// Writes bytes [<paramref name="start"/>, +<paramref name="count"/>) of the tensor's contiguous bytes to
    /// <paramref name="destination"/>, so several threads can fill one large tensor. Needs <see cref="HasParts"/>.
    /// Returns the part's CRC-32 when the file's recorded CRC is still to be checked: the bytes may then be
    /// used only after <see cref="CheckParts"/> has passed for all the parts.
    /// </summary>
    internal unsafe uint? ReadPart(byte* destination, long start, long count) => source.CopyPart(destination, start, count);

    /// <summary>Checks the parts <see cref="ReadPart"/> read, covering the whole tensor, against the CRC-32 the file records.</summary>
    /// <exception cref="CheckpointFormatException">The bytes read are not the ones the file records: it is corrupt.</exception>
    internal void CheckParts(IReadOnlyList<PartCrc> parts) => source.CheckParts(parts);

    /// <summary>
    /// The SHA-256 (lower-case hex) of the tensor's contiguous row-major little-endian bytes, streamed from the
    /// file in bounded chunks (a view that repeats stored bytes is never materialised).
    /// </summary>
    public string Sha256()
    {
        using SHA256 sha = SHA256.Create();
        using (CryptoStream hashing = new(Stream.Null, sha, CryptoStreamMode.Write, leaveOpen: true))
        {
            source.WriteTo(hashing);
            hashing.FlushFinalBlock();
        }

        return Convert.ToHexStringLower(sha.Hash!);
    }

    /// <summary>The zip member holding the tensor's storage (shared by the tensors viewing it), or null.</summary>
    internal RecordedCrc? Storage => source.Storage;

    /// <summary>The number of bytes <see cref="WriteTo"/> writes.</summary>
    internal long ByteCount => checked(Spec.ElementCount * DType.FromName(Spec.DType)!.Size);

    /// <summary>
    /// Streams the contiguous little-endian bytes to <paramref name="output"/> in bounded chunks (file to file
    /// inside the kernel when the output allows), so converting a large checkpoint needs constant memory.
    /// </summary>
    internal void WriteTo(Stream output) => source.WriteTo(output);
}
