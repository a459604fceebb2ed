using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using Transfer.Export;
using Transfer.Models;
using Transfer.Training;

// Onnx.Bench: inference throughput (images/s) of LeNet6 (1x28x28) and ResNet18 (3x224x224, 10 classes)
// exported by Transfer's OnnxExporter and run in ONNX Runtime, against the same model in TorchSharp eval
// mode (model.eval(), torch.no_grad()) on CPU, batch 1 and 64, both sides on the same intra-op thread count.
// Usage: dotnet run -c Release --project bench/Onnx.Bench [-- <rounds> <threads> [spin]]
int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
bool spin = args.Length > 2 && args[2] == "spin";
const double Tolerance = 1e-4;

Console.WriteLine($"{rounds} interleaved rounds, {threads} intra-op threads on both sides, {Environment.ProcessorCount} cores, ORT spinning {(spin ? "on" : "off")}; "
    + "images/s, median of the rounds");

using IntraOpThreads torchThreads = IntraOpThreads.Use(threads);
using SessionOptions sessionOptions = new()
{
    IntraOpNumThreads = threads,
    InterOpNumThreads = 1,
    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
};
// ORT's pool threads spin for a while after each Run by default; in this one process they would then compete
// with TorchSharp's OpenMP threads for the same cores (TorchSharp ResNet18 batch 1 fell from 22 to 53 images/s to 1.8
// on 2 threads), so they sleep unless the third argument is "spin".
if (!spin)
{
    sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
}

// Calls per timed run, so each run processes enough images to time without making ResNet18 take minutes.
(string Name, Func<torch.nn.Module<torch.Tensor, torch.Tensor>> Create, int Channels, int Size, (int Batch, int Calls)[] Runs)[] models =
[
    ("LeNet6", () => new LeNet6(10), 1, 28, [(1, 500), (64, 40)]),
    ("ResNet18", () => new ResNet18(10, 3), 3, 224, [(1, 8), (64, 1)]),
];

List<string> lines = [];
bool allAgree = true;
foreach ((string name, Func<torch.nn.Module<torch.Tensor, torch.Tensor>> create, int channels, int size, (int Batch, int Calls)[] runs) in models)
{
    using torch.nn.Module<torch.Tensor, torch.Tensor> model = create();
    using (torch.Generator weights = new(seed: 42))
    {
        SeededInit.Apply(model, weights);
    }

    model.eval();
    byte[] exported = OnnxExporter.Export(model, new OnnxExportOptions { Channels = channels, Height = size, Width = size });
    using InferenceSession session = new(exported, sessionOptions);

    foreach ((int batch, int calls) in runs)
    {
        using torch.Generator data = new(seed: 7);
        using torch.Tensor input = torch.rand([batch, channels, size, size], generator: data);
        float[] pixels = input.data<float>().ToArray();
        using OrtValue feed = OrtValue.CreateTensorValueFromMemory(pixels, [batch, channels, size, size]);
        using RunOptions runOptions = new();

        void Torch()
        {
            using IDisposable noGrad = torch.no_grad();
            using torch.Tensor output = model.forward(input);
        }

        void Ort()
        {
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [OnnxExporter.InputName], [feed], [OnnxExporter.OutputName]);
        }

        // The two sides must compute the same logits before their speed means anything; this also warms both up.
        float[] torchLogits;
        using (torch.no_grad())
        {
            using torch.Tensor output = model.forward(input);
            torchLogits = output.data<float>().ToArray();
        }

        float[] ortLogits;
        using (IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [OnnxExporter.InputName], [feed], [OnnxExporter.OutputName]))
        {
            ortLogits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }

        double delta = torchLogits.Length == ortLogits.Length
            ? torchLogits.Zip(ortLogits, (a, b) => (double)Math.Abs(a - b)).Max()
            : double.PositiveInfinity;
        double largest = torchLogits.Max(v => Math.Abs((double)v));
        bool agree = delta <= Tolerance;
        allAgree &= agree;
        Console.WriteLine($"{name} batch {batch}: max |Δ logit| TorchSharp vs ONNX Runtime = {delta:E2} (largest |logit| {largest:E2}; {(agree ? "ok" : "TOO LARGE")}, limit {Tolerance:E0})");
        if (!agree)
        {
            continue;
        }

        List<double> torchRates = [];
        List<double> ortRates = [];
        for (int round = 0; round < rounds; round++)
        {
            // Alternate who goes first, so neither side always runs right after the other.
            if (round % 2 == 0)
            {
                torchRates.Add(Rate(Torch, batch, calls));
                ortRates.Add(Rate(Ort, batch, calls));
            }
            else
            {
                ortRates.Add(Rate(Ort, batch, calls));
                torchRates.Add(Rate(Torch, batch, calls));
            }
        }

        double torchMedian = Median(torchRates);
        double ortMedian = Median(ortRates);
        lines.Add($"{name,-10}{batch,6}{torchMedian,14:F1}{ortMedian,14:F1}{ortMedian / torchMedian,12:F2}x");
        lines.Add($"    TorchSharp rounds: {string.Join(' ', torchRates.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}");
        lines.Add($"    ORT rounds:        {string.Join(' ', ortRates.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}");
    }
}

Console.WriteLine();
Console.WriteLine($"{"model",-10}{"batch",6}{"TorchSharp",14}{"ONNX RT",14}{"ORT/Torch",13}");
foreach (string line in lines)
{
    Console.WriteLine(line);
}

return allAgree ? 0 : 1;

static double Rate(Action run, int batch, int calls)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    Stopwatch clock = Stopwatch.StartNew();
    for (int i = 0; i < calls; i++)
    {
        run();
    }

    return (double)batch * calls / clock.Elapsed.TotalSeconds;
}

static double Median(List<double> values)
{
    List<double> sorted = [.. values.Order()];
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
