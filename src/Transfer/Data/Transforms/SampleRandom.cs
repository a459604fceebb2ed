namespace Transfer.Data.Transforms;

/// <summary>
/// The random numbers of one training sample's transforms: a SplitMix64 stream keyed by (run seed, epoch,
/// sample index) alone, so a sample's crop, flip and jitter never depend on which thread decoded it, in which
/// order, or whether the run was resumed. Not torch's generator: Transfer draws these itself, so the values
/// differ from torchvision's for the same seed, while following its algorithms.
/// </summary>
internal sealed class SampleRandom
{
    private ulong _state;

    /// <summary>The stream of sample <paramref name="index"/> in <paramref name="epoch"/> of a run seeded <paramref name="seed"/>.</summary>
    public SampleRandom(long seed, int epoch, long index)
    {
        unchecked
        {
            _state = Mix(Mix(Mix((ulong)seed) ^ (ulong)epoch) ^ (ulong)index);
        }
    }

    /// <summary>A uniform double in [0, 1) (53 random bits).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double Uniform(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>A uniform integer in [<paramref name="low"/>, <paramref name="high"/>) (<paramref name="high"/> &gt; <paramref name="low"/>).</summary>
    public int Int(int low, int high) => low + (int)((ulong)(high - low) * (Next() >> 32) >> 32);

    private ulong Next()
    {
        unchecked
        {
            _state += 0x9E3779B97F4A7C15UL;
            return Mix(_state);
        }
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
