using System.Diagnostics;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;

namespace Transfer.Tests.FineTuning;

/// <summary>Serialises tests that measure this process's resident memory, so no other test's allocations count.</summary>
[CollectionDefinition(nameof(ProcessMemoryCollection), DisableParallelization = true)]
public sealed class ProcessMemoryCollection;

/// <summary>Ten epochs of fine-tuning leave no live tensors behind and resident memory flat (within 5 %).</summary>
[Collection(nameof(ProcessMemoryCollection))]
public sealed class MemoryTests
{
    [Fact]
    public void No_tensor_leaks_from_epoch_two_to_ten_and_resident_memory_stays_within_five_percent()
    {
        using var train = TinyRun.Data(2048, 3);
        using var val = TinyRun.Data(256, 4);
        using var model = TinyRun.Model();
        string dir = TinyRun.TempDir();
        long afterTwo = 0, afterTen = 0, liveTwo = 0, liveTen = 0;
        try
        {
            FineTuner.Train(model, train, val, new FineTuneConfig { Device = "cpu", Epochs = 10, BatchSize = 32 }, 0,
                new FineTuneOptions
                {
                    OutDir = dir,
                    Progress = new SynchronousProgress(p =>
                    {
                        if (p.Completed is { Epoch: 2 or 10 } m)
                        {
                            long live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                            (liveTwo, liveTen) = m.Epoch == 2 ? (live, liveTen) : (liveTwo, live);
                            GC.Collect();
                            GC.WaitForPendingFinalizers();
                            long rss = Process.GetCurrentProcess().WorkingSet64;
                            if (m.Epoch == 2)
                            {
                                afterTwo = rss;
                            }
                            else
                            {
                                afterTen = rss;
                            }
                        }
                    }),
                });
        }
        finally
        {
            Directory.Delete(dir, true);
        }

        Assert.Equal(liveTwo, liveTen);
        Assert.True(afterTen <= afterTwo * 1.05, $"RSS grew from {afterTwo} to {afterTen} bytes");
    }
}
