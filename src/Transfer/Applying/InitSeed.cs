using System.Text;

namespace Transfer.Applying;

/// <summary>
/// The seed of one tensor's own random stream: the plan's seed mixed with a stable hash of the tensor's key
/// (FNV-1a over its UTF-8 bytes, then the SplitMix64 finaliser). Each tensor's values therefore depend only on
/// the seed and its name — not on which other tensors are initialised, in what order, or on any global
/// generator — and not on <see cref="string.GetHashCode()"/>, which changes from run to run.
/// </summary>
internal static class InitSeed
{
    public static ulong For(long seed, string key)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(key))
        {
            hash = unchecked((hash ^ b) * 1099511628211UL);
        }

        return Mix(unchecked(((ulong)seed * 0x9E3779B97F4A7C15UL) ^ hash));
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
