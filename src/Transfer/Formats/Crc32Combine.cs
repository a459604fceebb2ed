namespace Transfer.Formats;

/// <summary>
/// Joins CRC-32s (the zip / IEEE polynomial, as <see cref="System.IO.Hashing.Crc32"/> computes them) of
/// consecutive byte ranges into the CRC-32 of the whole, without the bytes: crc(A‖B) is crc(A) carried
/// through |B| zero bytes, xor crc(B). Carrying a CRC through zeros is a linear map over GF(2), a 32 × 32
/// bit matrix; the map for 2ⁿ zero bytes is the square of the map for 2ⁿ⁻¹, so |B| zero bytes cost
/// O(log |B|) matrix squarings (the method zlib's <c>crc32_combine</c> uses).
/// </summary>
internal static class Crc32Combine
{
    /// <summary>The reflected CRC-32 polynomial.</summary>
    private const uint Polynomial = 0xEDB88320;

    /// <summary>The CRC-32 of A followed by B, from <paramref name="first"/> = crc(A), <paramref name="second"/> = crc(B) and |B|.</summary>
    public static uint Combine(uint first, uint second, long secondLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(secondLength);
        if (secondLength == 0)
        {
            return first;
        }

        // A matrix is 32 columns: column i is the image of the state with only bit i set.
        Span<uint> odd = stackalloc uint[32];
        Span<uint> even = stackalloc uint[32];

        // One zero bit: shift right by one, folding the polynomial in when the low bit falls out.
        odd[0] = Polynomial;
        for (int i = 1; i < 32; i++)
        {
            odd[i] = 1u << (i - 1);
        }

        Square(even, odd); // two zero bits
        Square(odd, even); // four zero bits

        // Each step squares the map (8, 16, 32, ... zero bits) and applies it for every set bit of the length in bytes.
        long remaining = secondLength;
        while (true)
        {
            Square(even, odd);
            if ((remaining & 1) != 0)
            {
                first = Times(even, first);
            }

            remaining >>= 1;
            if (remaining == 0)
            {
                break;
            }

            Square(odd, even);
            if ((remaining & 1) != 0)
            {
                first = Times(odd, first);
            }

            remaining >>= 1;
            if (remaining == 0)
            {
                break;
            }
        }

        return first ^ second;
    }

    /// <summary>The matrix applied to a 32-bit vector: the xor of the columns for the vector's set bits.</summary>
    private static uint Times(ReadOnlySpan<uint> matrix, uint vector)
    {
        uint sum = 0;
        for (int i = 0; vector != 0; i++, vector >>= 1)
        {
            if ((vector & 1) != 0)
            {
                sum ^= matrix[i];
            }
        }

        return sum;
    }

    /// <summary>Writes <paramref name="matrix"/> times itself into <paramref name="square"/>.</summary>
    private static void Square(Span<uint> square, ReadOnlySpan<uint> matrix)
    {
        for (int i = 0; i < 32; i++)
        {
            square[i] = Times(matrix, matrix[i]);
        }
    }
}
