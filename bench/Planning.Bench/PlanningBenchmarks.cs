using BenchmarkDotNet.Attributes;
using Transfer.Rules.Planning;
using Transfer.Rules.Tests.Planning;

namespace Planning.Bench;

/// <summary>Plans 100k source × 100k target keys with 50 rules; the budget is 1 s on one core.</summary>
[MemoryDiagnoser]
public class PlanningBenchmarks
{
    private LargeWorkload _work = null!;

    [GlobalSetup]
    public void Setup() => _work = new LargeWorkload();

    [Benchmark]
    public PlanSummary Plan100kBy100kWith50Rules() =>
        TransferPlanner.Plan(_work.Source, _work.Target, _work.Rules, "big.pt", "big").Summary;
}
