namespace Transfer.FineTuning;

/// <summary>How a run trains, as <c>report.json</c> and <c>report.md</c> record it: device and threads.</summary>
/// <param name="Device">The training device (<c>cpu</c>, <c>cuda</c>…).</param>
/// <param name="Threads">torch's intra-op thread count while training.</param>
internal sealed record RunFacts(string Device, int Threads);
