using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Transfer.Formats;

/// <summary>
/// CRC-32 (the zip polynomial, equal to <see cref="Crc32"/>'s) of large spans with 512-bit carry-less
/// multiplies (VPCLMULQDQ), several times faster than <see cref="Crc32"/>'s 128-bit folding, where the CPU
/// has them. Four 64-byte accumulators each fold forward 256 bytes at a time (x·x^2048 mod P, per 128-bit
/// lane); the accumulators are then folded into one 16-byte remainder that has the same CRC as everything
/// before it, and <see cref="Crc32"/> finishes that remainder and the last few bytes, so no Barrett
/// reduction is needed. A running CRC is carried in by xoring its state into the first four bytes.
/// </summary>
internal static class FoldedCrc32
{
    /// <summary>The shortest span folded; shorter ones go to <see cref="Crc32"/> and <see cref="Crc32Combine"/>.</summary>
    private const int Minimum = 256;

    private static readonly Vector512<ulong> By2048 = Keys(2048);
    private static readonly Vector512<ulong> By512 = Keys(512);
    private static readonly Vector128<ulong> By128 = Keys(128).GetLower().GetLower();

    /// <summary>True when this CPU can fold 512 bits at a time.</summary>
    public static bool IsSupported => Pclmulqdq.V512.IsSupported && Avx512F.IsSupported;

    /// <summary>The CRC-32 of A followed by <paramref name="data"/>, from <paramref name="crc"/> = CRC-32 of A (0 for nothing before).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        if (!IsSupported || data.Length < Minimum)
        {
            return Crc32Combine.Combine(crc, Crc32.HashToUInt32(data), data.Length);
        }

        ref byte start = ref MemoryMarshal.GetReference(data);
        Vector512<ulong> a0 = Load(ref start, 0) ^ Vector512.CreateScalar((ulong)~crc);
        Vector512<ulong> a1 = Load(ref start, 64);
        Vector512<ulong> a2 = Load(ref start, 128);
        Vector512<ulong> a3 = Load(ref start, 192);
        int at = 256;
        for (; at <= data.Length - 256; at += 256)
        {
            a0 = Fold(a0, By2048) ^ Load(ref start, at);
            a1 = Fold(a1, By2048) ^ Load(ref start, at + 64);
            a2 = Fold(a2, By2048) ^ Load(ref start, at + 128);
            a3 = Fold(a3, By2048) ^ Load(ref start, at + 192);
        }

        Vector512<ulong> a = Fold(Fold(Fold(a0, By512) ^ a1, By512) ^ a2, By512) ^ a3;
        for (; at <= data.Length - 64; at += 64)
        {
            a = Fold(a, By512) ^ Load(ref start, at);
        }

        Vector128<ulong> r = Fold(a.GetLower().GetLower(), By128) ^ a.GetLower().GetUpper();
        r = Fold(r, By128) ^ a.GetUpper().GetLower();
        r = Fold(r, By128) ^ a.GetUpper().GetUpper();

        // r has the CRC (with no pre- or post-conditioning) of all bytes so far; Crc32 starts from the
        // conditioned state, so undo that in r's first four bytes and let it finish with the tail.
        Span<byte> rest = stackalloc byte[16 + 64];
        MemoryMarshal.Write(rest, r ^ Vector128.CreateScalar((ulong)uint.MaxValue));
        int tail = data.Length - at;
        data[at..].CopyTo(rest[16..]);
        return Crc32.HashToUInt32(rest[..(16 + tail)]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Load(ref byte start, int offset) =>
        Vector512.LoadUnsafe(ref Unsafe.As<byte, ulong>(ref Unsafe.Add(ref start, offset)));

    /// <summary>Moves each 128-bit lane forward by the keys' distance: low half times one key, high half times the other.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Fold(Vector512<ulong> x, Vector512<ulong> keys) =>
        Pclmulqdq.V512.CarrylessMultiply(x, keys, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(x, keys, 0x11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Fold(Vector128<ulong> x, Vector128<ulong> keys) =>
        Pclmulqdq.CarrylessMultiply(x, keys, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, keys, 0x11);

    /// <summary>The fold keys for moving a 128-bit lane forward by <paramref name="bits"/>, in every lane.</summary>
    private static Vector512<ulong> Keys(int bits)
    {
        ulong low = Key(bits + 32);
        ulong high = Key(bits - 32);
        return Vector512.Create(low, high, low, high, low, high, low, high);
    }

    /// <summary>x^<paramref name="exponent"/> mod P, bit-reflected into the CRC's order and shifted to line up with a 64-bit half.</summary>
    private static ulong Key(int exponent)
    {
        const ulong Polynomial = 0x104C11DB7;
        ulong r = 1;
        for (int i = 0; i < exponent; i++)
        {
            r <<= 1;
            if ((r & (1UL << 32)) != 0)
            {
                r ^= Polynomial;
            }
        }

        uint reflected = 0;
        for (int i = 0; i < 32; i++)
        {
            reflected |= (uint)((r >> i) & 1) << (31 - i);
        }

        return (ulong)reflected << 1;
    }
}
