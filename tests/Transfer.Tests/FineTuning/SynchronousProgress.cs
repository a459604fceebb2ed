using Transfer.FineTuning;

namespace Transfer.Tests.FineTuning;

/// <summary>Reports on the training thread (unlike <see cref="Progress{T}"/>), so a cancel takes effect at the very next batch.</summary>
internal sealed class SynchronousProgress(Action<FineTuneProgress> report) : IProgress<FineTuneProgress>
{
    public void Report(FineTuneProgress value) => report(value);
}
