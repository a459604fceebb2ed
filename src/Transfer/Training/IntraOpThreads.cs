using TorchSharp;

namespace Transfer.Training;

/// <summary>
/// Sets torch's intra-op thread count for a scope and restores the previous count when disposed, so a run
/// can choose its threads without changing them behind its caller's back. Setting the count also pins MKL's
/// thread count (no dynamic adjustment under load), which CPU results need to be bitwise reproducible.
/// </summary>
public sealed class IntraOpThreads : IDisposable
{
    private readonly int _previous;
    private bool _disposed;

    private IntraOpThreads(int threads)
    {
        _previous = torch.get_num_threads();
        Threads = threads;
        torch.set_num_threads(threads);
    }

    /// <summary>The thread count in force inside the scope.</summary>
    public int Threads { get; }

    /// <summary>Sets <paramref name="threads"/> (>= 1) until the returned scope is disposed.</summary>
    /// <param name="threads">Intra-op threads for the scope.</param>
    public static IntraOpThreads Use(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        return new IntraOpThreads(threads);
    }

    /// <summary>Restores the thread count found when the scope began.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            torch.set_num_threads(_previous);
        }
    }
}
