using System.IO.Hashing;
using FsCheck;
using FsCheck.Xunit;
using Transfer.Formats;

namespace Transfer.Tests.Formats;

/// <summary>The 512-bit folded CRC-32 equals <see cref="Crc32"/> for every length, alignment and running CRC.</summary>
public sealed class FoldedCrc32Tests
{
    [Fact]
    public void The_check_value_of_123456789_repeated_matches_crc32()
    {
        byte[] bytes = [.. Enumerable.Repeat("123456789"u8.ToArray(), 100).SelectMany(b => b)];
        Assert.Equal(Crc32.HashToUInt32(bytes), FoldedCrc32.Append(0, bytes));
    }

    [Property(MaxTest = 300)]
    public bool Spans_of_any_length_and_alignment_continuing_any_crc_match_crc32(int seed, NonNegativeInt prefix, NonNegativeInt offset)
    {
        Random random = new(seed);
        byte[] data = new byte[random.Next(3000)];
        random.NextBytes(data);
        int skip = offset.Get % 64;
        byte[] before = new byte[prefix.Get % 300];
        random.NextBytes(before);
        ReadOnlySpan<byte> span = data.AsSpan(Math.Min(skip, data.Length));
        uint running = Crc32.HashToUInt32(before);
        return FoldedCrc32.Append(running, span) == Crc32.HashToUInt32([.. before, .. span]);
    }

    [Theory]
    [InlineData(7, 256 << 10)]
    [InlineData(8, (1 << 20) + 333)]
    public void Steps_of_a_large_buffer_chain_into_its_crc32(int seed, int step)
    {
        Random random = new(seed);
        byte[] data = new byte[(3 << 20) + 17];
        random.NextBytes(data);
        uint crc = 0;
        for (int at = 0; at < data.Length; at += step)
        {
            crc = FoldedCrc32.Append(crc, data.AsSpan(at, Math.Min(step, data.Length - at)));
        }

        Assert.Equal(Crc32.HashToUInt32(data), crc);
    }

    [Fact]
    public void One_flipped_bit_anywhere_changes_the_crc()
    {
        byte[] data = new byte[5000];
        new Random(4).NextBytes(data);
        uint whole = FoldedCrc32.Append(0, data);
        for (int at = 0; at < data.Length; at += 37)
        {
            data[at] ^= 0x80;
            Assert.NotEqual(whole, FoldedCrc32.Append(0, data));
            data[at] ^= 0x80;
        }
    }
}
