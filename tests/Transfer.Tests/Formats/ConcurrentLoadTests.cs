using TorchSharp;
using Transfer.Formats;
using Transfer.Formats.PyTorch;
using Transfer.Formats.SafeTensors;

namespace Transfer.Tests.Formats;

/// <summary>CheckpointTensor.Load from several threads at once, and a checkpoint disposed while copies run.</summary>
public sealed class ConcurrentLoadTests
{
    private const int Threads = 8;

    [Fact]
    public void Strided_and_contiguous_tensors_loaded_from_many_threads_at_once_are_exact()
    {
        // views.pt holds transposes and slices (gathered through the memory map, created on first use by
        // whichever thread gets there first) and contiguous tensors (positional reads).
        using Checkpoint checkpoint = CheckpointReader.Open(Fixture.Path_("views.pt"));
        Dictionary<string, string?> expected = Fixture.Expected("views.pt").ToDictionary(t => t.Name, t => t.Sha256);
        using Barrier start = new(Threads);
        List<string> problems = [];

        Thread[] threads = [.. Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            for (int round = 0; round < 20; round++)
            {
                foreach (CheckpointTensor tensor in checkpoint.Tensors.Skip(i % 3))
                {
                    string sha = tensor.Sha256();
                    if (sha != expected[tensor.Spec.Name])
                    {
                        lock (problems)
                        {
                            problems.Add($"{tensor.Spec.Name}: {sha}");
                        }
                    }
                }
            }
        }))];
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());

        Assert.Empty(problems);
    }

    [Fact]
    public unsafe void Disposing_during_a_copy_keeps_the_mapping_until_the_copy_ends_and_later_loads_throw_ObjectDisposedException()
    {
        TensorFile file = new(Fixture.Path_("views.pt"));
        Checkpoint checkpoint = PyTorchCheckpointReader.Read(file, null);
        CheckpointTensor transposed = checkpoint.Tensors.Single(t => t.Spec.Name == "t");
        byte[] whole = File.ReadAllBytes(Fixture.Path_("views.pt"));
        byte* mapped;

        using (file.Use())
        {
            // A copy in progress holds a lease and has the mapping.
            mapped = file.MapPointer();
            checkpoint.Dispose();

            ObjectDisposedException e = Assert.Throws<ObjectDisposedException>(() => transposed.Load());
            Assert.Equal($"{Fixture.Path_("views.pt")}: the checkpoint is disposed; keep it open until its tensors are read.", e.Message);
            Assert.False(file.Handle.IsClosed);
            Assert.Equal(whole, new ReadOnlySpan<byte>(mapped, whole.Length).ToArray());
        }

        Assert.True(file.Handle.IsClosed);
        Assert.Throws<ObjectDisposedException>(() => transposed.Sha256());
        checkpoint.Dispose();
    }

    [Fact]
    public void A_copy_running_when_the_checkpoint_is_disposed_finishes_exactly_or_stops_with_ObjectDisposedException()
    {
        string path = Path.Combine(Fixture.TempFolder(), "big.safetensors");
        using (torch.Tensor big = torch.arange(0, 6L << 20, dtype: torch.float32))
        {
            CheckpointWriter.Write(path, [new KeyValuePair<string, torch.Tensor>("big", big)]);
        }

        // 24 MB: more than one positional-read chunk, so a copy can notice the dispose between chunks.
        const int Copies = 4;
        for (int round = 0; round < 4; round++)
        {
            TensorFile file = new(path);
            Checkpoint checkpoint = SafeTensorsReader.Read(file);
            using Barrier start = new(Copies + 1);
            List<Exception> failures = [];
            int exact = 0;
            Thread[] threads = [.. Enumerable.Range(0, Copies).Select(_ => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    using torch.Tensor loaded = checkpoint.Tensors[0].Load();
                    if (loaded[-1].item<float>() == (6 << 20) - 1 && loaded[12345].item<float>() == 12345)
                    {
                        Interlocked.Increment(ref exact);
                    }
                }
                catch (Exception e)
                {
                    lock (failures)
                    {
                        failures.Add(e);
                    }
                }
            }))];
            Array.ForEach(threads, t => t.Start());
            start.SignalAndWait();
            checkpoint.Dispose();
            Array.ForEach(threads, t => t.Join());

            Assert.All(failures, e => Assert.IsType<ObjectDisposedException>(e));
            Assert.Equal(Copies, exact + failures.Count);
            Assert.True(file.Handle.IsClosed);
        }
    }
}
