using System.Diagnostics;
using BenchmarkDotNet.Running;
using Transfer.Rules.Planning;
using Transfer.Rules.Tests.Planning;

namespace Planning.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Planning.Bench</c> runs BenchmarkDotNet (pass its switches, e.g.
/// <c>--job short</c>); <c>-- --once</c> just times a few plans with a stopwatch for a quick check.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--once"))
        {
            LargeWorkload work = new();
            TransferPlanner.Plan(work.Source, work.Target, work.Rules);
            for (int run = 1; run <= 5; run++)
            {
                Stopwatch clock = Stopwatch.StartNew();
                TransferPlan plan = TransferPlanner.Plan(work.Source, work.Target, work.Rules);
                clock.Stop();
                Console.WriteLine($"run {run}: {clock.Elapsed.TotalMilliseconds:F0} ms ({plan.Entries.Count} entries)");
            }

            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
