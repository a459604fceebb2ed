namespace Transfer.Tests.FineTuning;

/// <summary>
/// Tests that train in the test process: each run sets torch's intra-op thread count for its duration
/// (<c>IntraOpThreads</c>, process-wide in libtorch) and several compare results bitwise, so they run one at a
/// time and never while another test's run holds a different thread count.
/// </summary>
[CollectionDefinition(nameof(InProcessTrainingCollection), DisableParallelization = true)]
public sealed class InProcessTrainingCollection;
