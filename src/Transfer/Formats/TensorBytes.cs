using TorchSharp;

namespace Transfer.Formats;

/// <summary>Raw access to a CPU tensor's contiguous little-endian bytes, for readers and writers.</summary>
internal static class TensorBytes
{
    private const int Chunk = 1 << 24;

    /// <summary>Runs <paramref name="action"/> with a pointer to the bytes of a contiguous CPU tensor.</summary>
    public static unsafe void WithPointer(torch.Tensor tensor, PointerAction action)
    {
        long length = tensor.numel() * tensor.element_size();
        if (length == 0)
        {
            action(null, 0);
            return;
        }

        if (length <= int.MaxValue)
        {
            fixed (byte* p = tensor.bytes)
            {
                action(p, length);
            }

            return;
        }

        // Span lengths are ints: the first element's address is the start of the whole contiguous block.
        using torch.Tensor first = tensor.view(-1).narrow(0, 0, 1);
        fixed (byte* p = first.bytes)
        {
            action(p, length);
        }
    }

    /// <summary>
    /// The address of a contiguous CPU tensor's first byte (null when it is empty), valid while the tensor
    /// lives; for code that fills storage in place, possibly from another thread.
    /// </summary>
    public static unsafe nint Address(torch.Tensor tensor)
    {
        nint address = 0;
        WithPointer(tensor, (p, _) => address = (nint)p);
        return address;
    }

    /// <summary>Runs <paramref name="action"/> on the bytes of any tensor, made contiguous and CPU if needed.</summary>
    public static void WithContiguous(torch.Tensor tensor, PointerAction action)
    {
        if (tensor.device_type == DeviceType.CPU && tensor.is_contiguous())
        {
            WithPointer(tensor, action);
            return;
        }

        using torch.Tensor cpu = tensor.detach().to(DeviceType.CPU).contiguous();
        WithPointer(cpu, action);
    }

    public static unsafe void Write(torch.Tensor tensor, Stream output) =>
        WithContiguous(tensor, (p, length) =>
        {
            for (long done = 0; done < length; done += Chunk)
            {
                output.Write(new ReadOnlySpan<byte>(p + done, (int)Math.Min(Chunk, length - done)));
            }
        });
}

/// <summary>Receives a pointer to <paramref name="length"/> contiguous tensor bytes.</summary>
internal unsafe delegate void PointerAction(byte* pointer, long length);
