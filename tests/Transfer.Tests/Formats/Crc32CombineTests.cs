using System.IO.Hashing;
using FsCheck;
using FsCheck.Xunit;
using Transfer.Formats;

namespace Transfer.Tests.Formats;

/// <summary>
/// CRC-32s of consecutive pieces combine into exactly the CRC-32 <see cref="Crc32"/> computes over the whole,
/// however the bytes are split (the parallel reader checks a zip member's recorded CRC this way).
/// </summary>
public sealed class Crc32CombineTests
{
    [Fact]
    public void The_check_value_of_123456789_is_rebuilt_from_any_two_pieces()
    {
        byte[] bytes = "123456789"u8.ToArray();
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            uint combined = Crc32Combine.Combine(
                Crc32.HashToUInt32(bytes.AsSpan(0, cut)), Crc32.HashToUInt32(bytes.AsSpan(cut)), bytes.Length - cut);
            Assert.Equal(0xCBF43926u, combined);
        }
    }

    [Property(MaxTest = 300)]
    public bool Pieces_cut_at_random_places_combine_into_the_crc_of_the_whole(byte[] data, int[] cuts)
    {
        data ??= [];
        int[] bounds = [0, .. (cuts ?? []).Select(c => (int)((uint)c % (uint)(data.Length + 1))).Order(), data.Length];
        uint combined = 0;
        for (int i = 0; i + 1 < bounds.Length; i++)
        {
            ReadOnlySpan<byte> piece = data.AsSpan(bounds[i], bounds[i + 1] - bounds[i]);
            combined = Crc32Combine.Combine(combined, Crc32.HashToUInt32(piece), piece.Length);
        }

        return combined == Crc32.HashToUInt32(data);
    }

    [Theory]
    [InlineData(1, 3 << 20)]
    [InlineData(5, (8 << 20) + 12345)]
    public void Large_pieces_of_random_bytes_combine_exactly(int seed, int length)
    {
        Random random = new(seed);
        byte[] data = new byte[length];
        random.NextBytes(data);
        int[] bounds = [0, .. Enumerable.Range(0, 6).Select(_ => random.Next(length + 1)).Order(), length];
        uint combined = 0;
        for (int i = 0; i + 1 < bounds.Length; i++)
        {
            ReadOnlySpan<byte> piece = data.AsSpan(bounds[i], bounds[i + 1] - bounds[i]);
            combined = Crc32Combine.Combine(combined, Crc32.HashToUInt32(piece), piece.Length);
        }

        Assert.Equal(Crc32.HashToUInt32(data), combined);
    }

    [Fact]
    public void A_changed_byte_in_one_piece_changes_the_combined_crc()
    {
        byte[] data = new byte[100_000];
        new Random(3).NextBytes(data);
        uint whole = Crc32.HashToUInt32(data);
        data[70_000] ^= 0x10;
        uint combined = Crc32Combine.Combine(Crc32.HashToUInt32(data.AsSpan(0, 65_536)), Crc32.HashToUInt32(data.AsSpan(65_536)), data.Length - 65_536);
        Assert.NotEqual(whole, combined);
        Assert.Equal(Crc32.HashToUInt32(data), combined);
    }
}
