// Loader.Bench: the image-folder loader alone and inside a training epoch, in images per second.
//   1. the run's folder check (ImageFolderScan: every image decoded once, on `workers` threads),
//   2. the streamed training batches alone (decode + resize 72 + random resized crop 64 + flip + normalize),
//      on 1 and 2 decoding threads, consumed as fast as they come,
//   3. a ResNet18 training epoch at 64x64 from tensors already in memory (the ceiling), and the same epoch
//      from the streamed loader: when the loader keeps ahead, the two are equal.
// The folder is generated: 3 classes of JPEG/PNG "photos" between 160 and 320 pixels a side.
// Run: dotnet run -c Release --project bench/Loader.Bench -- [images per class=100] [torch threads=1]
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Transfer.Data;
using Transfer.Data.Images;
using Transfer.Data.Transforms;
using Transfer.Models;
using Transfer.Training;
using static TorchSharp.torch;

int perClass = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
const int BatchSize = 32;
string root = Path.Combine(Path.GetTempPath(), $"loader-bench-{Environment.ProcessId}");
try
{
    Transfer.Tests.Data.Images.PhotoFolder.Create(root, ["a", "b", "c"], perClass, minSide: 160, seed: 0);
    using IntraOpThreads torchThreads = IntraOpThreads.Use(threads);
    TransformPipeline pipeline = new(
        new ImageTransforms
        {
            Resize = 72,
            RandomResizedCrop = new RandomResizedCropSpec(64, 0.5, 1.0, 0.75, 4.0 / 3.0),
            HorizontalFlip = 0.5,
            Normalize = NormalizeSpec.ImageNet,
        },
        3);

    Stopwatch clock = Stopwatch.StartNew();
    ImageFolderScan scan = ImageFolderScan.Run(root, Environment.ProcessorCount);
    double scanRate = scan.Train.Count / clock.Elapsed.TotalSeconds;
    string[] files = [.. scan.Train.Select(i => i.Path)];
    long[] labels = [.. scan.Train.Select(i => (long)i.Label)];
    Console.WriteLine($"{files.Count()} images ({perClass} per class, JPEG and PNG, 160-320 px), {Environment.ProcessorCount} cores, torch intra-op threads {threads}, batch {BatchSize}");
    Console.WriteLine($"  folder check (full decode, {Environment.ProcessorCount} threads)   {scanRate,8:F0} images/s");

    foreach (int workers in new[] { 1, 2 })
    {
        ImageBatchSource source = new(files, pipeline, 0, workers, (3, 64, 64)) { Epoch = 1 };
        double best = 0;
        for (int rep = 0; rep < 3; rep++)
        {
            using Tensor order = randperm(files.Length, generator: new Generator(1));
            clock.Restart();
            using (ImageBatchStream stream = source.Open(order, 0, BatchSize))
            {
                for (long done = 0; done < files.Length; done += BatchSize)
                {
                    using Tensor batch = stream.Next();
                }
            }

            best = Math.Max(best, files.Length / clock.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"  loader alone, {workers} decoding thread(s)          {best,8:F0} images/s");
    }

    using LabeledTensors memory = ImageFolderDataset.Materialize(scan.Train, pipeline, 3, Environment.ProcessorCount);
    foreach (int workers in new[] { 1, 2 })
    {
        double inMemory = Epoch(memory);
        using LabeledTensors streamed = new(memory.Images.narrow(0, 0, 2).clone(), tensor(labels), 3)
        {
            Streamed = new ImageBatchSource(files, pipeline, 0, workers, (3, 64, 64)),
        };
        double fromLoader = Epoch(streamed);
        Console.WriteLine($"  ResNet18 epoch, tensors in memory                 {inMemory,8:F0} images/s");
        Console.WriteLine($"  ResNet18 epoch, streamed, {workers} decoding thread(s)  {fromLoader,8:F0} images/s ({fromLoader / inMemory:P0} of in-memory)");
    }
}
finally
{
    Directory.Delete(root, true);
}

return 0;

static double Epoch(LabeledTensors data)
{
    using Generator init = new(0);
    using ResNet18 model = new(3, 3);
    SeededInit.Apply(model, init);
    using var optimizer = optim.SGD(model.parameters(), 0.01, 0.9);
    using Generator shuffle = new(1);
    Stopwatch clock = Stopwatch.StartNew();
    TrainingLoop.TrainEpoch(model, optimizer, data, 32, shuffle);
    return data.Count / clock.Elapsed.TotalSeconds;
}
