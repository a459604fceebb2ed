// Training.Bench: LeNet6 training throughput (batch 64, same intra-op threads) of
//   1. FineTuner (the library's training loop),
//   2. a minimal hand-written TorchSharp loop on the same model and data,
//   3. PyTorch 1.13 (lenet6_pytorch.py, run with /usr/bin/python3),
// printed side by side in images per second.
// Run: dotnet run -c Release --project bench/Training.Bench -- [batches=400] [threads=<torch default>]
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Transfer.Data;
using Transfer.Data.Idx;
using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using static TorchSharp.torch;

int batches = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400;
int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : torch.get_num_threads();
const int BatchSize = 64;
const int Warmup = 20;
torch.set_num_threads(threads);

using LabeledTensors all = LoadTrain();
using LabeledTensors data = new(all.Images.narrow(0, 0, (Warmup + batches) * BatchSize).clone(),
    all.Labels.narrow(0, 0, (Warmup + batches) * BatchSize).clone(), all.ClassCount);
using LabeledTensors val = new(all.Images.narrow(0, 0, 64).clone(), all.Labels.narrow(0, 0, 64).clone(), all.ClassCount);

// Interleaved repetitions, best of each: the machine may be shared, and the best run is the least disturbed.
double hand = 0, tuner = 0, python = 0;
for (int rep = 0; rep < 3; rep++)
{
    hand = Math.Max(hand, HandLoop(data, batches));
    tuner = Math.Max(tuner, FineTunerLoop(data, val, batches, threads));
    python = Math.Max(python, PyTorch(batches, threads));
}

Console.WriteLine($"LeNet6 training throughput, batch {BatchSize}, {threads} intra-op threads, {batches} timed batches after {Warmup} warm-up, best of 3:");
Console.WriteLine($"  {"FineTuner",-24} {tuner,10:F0} images/s   {tuner / hand,5:F2}x hand loop   {tuner / python,5:F2}x PyTorch");
Console.WriteLine($"  {"hand-written TorchSharp",-24} {hand,10:F0} images/s");
Console.WriteLine($"  {"PyTorch 1.13",-24} {python,10:F0} images/s");
return 0;

static nn.Module<Tensor, Tensor> LeNet6()
{
    torch.manual_seed(0);
    return (nn.Module<Tensor, Tensor>)Transfer.Models.ModelRegistry.Create("LeNet6");
}

static LabeledTensors LoadTrain()
{
    FashionMnistData data = FashionMnist.Locate();
    data.Test.Dispose();
    return data.Train;
}

static double HandLoop(LabeledTensors data, int batches)
{
    using var model = LeNet6();
    using var optimizer = torch.optim.Adam(model.parameters(), 1e-3);
    using Tensor order = torch.randperm(data.Count);
    model.train();
    Stopwatch clock = new();
    for (int b = 0; b < Warmup + batches; b++)
    {
        if (b == Warmup)
        {
            clock.Start();
        }

        using DisposeScope scope = torch.NewDisposeScope();
        Tensor index = order.narrow(0, (long)b * BatchSize, BatchSize);
        Tensor x = data.Images.index_select(0, index);
        Tensor y = data.Labels.index_select(0, index);
        optimizer.zero_grad();
        Tensor loss = nn.functional.cross_entropy(model.call(x), y);
        loss.backward();
        optimizer.step();
        _ = loss.item<float>();
    }

    return batches * BatchSize / clock.Elapsed.TotalSeconds;
}

static double FineTunerLoop(LabeledTensors data, LabeledTensors val, int batches, int threads)
{
    using var model = LeNet6();
    string dir = Directory.CreateTempSubdirectory("training-bench").FullName;
    Stopwatch clock = new();
    try
    {
        FineTuner.Train(model, data, val,
            new FineTuneConfig { Device = "cpu", Threads = threads, Epochs = 1, BatchSize = BatchSize, Optimizer = new OptimizerConfig(OptimizerType.Adam, 1e-3) },
            0,
            new FineTuneOptions
            {
                OutDir = dir,
                Progress = new Synchronous(p =>
                {
                    if (p.Completed is null && p.Batch == Warmup)
                    {
                        clock.Start();
                    }
                    else if (p.Completed is null && p.Batch == p.Batches)
                    {
                        clock.Stop();
                    }
                }),
            });
    }
    finally
    {
        Directory.Delete(dir, true);
    }

    return batches * BatchSize / clock.Elapsed.TotalSeconds;
}

static double PyTorch(int batches, int threads)
{
    string script = Path.Combine(AppContext.BaseDirectory, "lenet6_pytorch.py");
    ProcessStartInfo start = new("/usr/bin/python3", [script, batches.ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture)])
    {
        RedirectStandardOutput = true,
    };
    using Process process = Process.Start(start)!;
    string line = process.StandardOutput.ReadToEnd().Trim();
    process.WaitForExit();
    string[] parts = line.Split(' ');
    return parts.Length >= 2 && parts[0] == "pytorch" ? double.Parse(parts[1], CultureInfo.InvariantCulture) : double.NaN;
}

internal sealed class Synchronous(Action<FineTuneProgress> report) : IProgress<FineTuneProgress>
{
    public void Report(FineTuneProgress value) => report(value);
}
