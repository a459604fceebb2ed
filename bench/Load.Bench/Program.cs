using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using TorchSharp;
using TorchSharp.PyBridge;
using Transfer.Applying;

// Load.Bench: loading a ~537 MB checkpoint (.pt, .safetensors, and Hugging Face sharded sets of both, 4 shards)
// into a live TorchSharp module, nn.Sequential(8 x Linear(4096, 4096)): Transfer's model.LoadWeights against
// TorchSharp.PyBridge's load_py / load_safetensors / load_checkpoint and PyTorch 1.13's
// model.load_state_dict(torch.load(f)), in interleaved rounds.
// Usage: dotnet run -c Release --project bench/Load.Bench [-- <work folder> <rounds>]
string folder = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "transfer-load-bench");
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
string here = AppContext.BaseDirectory;
Directory.CreateDirectory(folder);
string pt = Path.Combine(folder, "model.pt");
string safetensors = Path.Combine(folder, "model.safetensors");
string shardedSafetensors = Path.Combine(folder, "sharded-safetensors");
string shardedBin = Path.Combine(folder, "sharded-bin");
if (!File.Exists(pt) || !File.Exists(safetensors) || !File.Exists(Path.Combine(shardedSafetensors, "model.safetensors.index.json"))
    || !File.Exists(Path.Combine(shardedBin, "pytorch_model.bin.index.json")))
{
    Console.WriteLine($"writing the checkpoints with PyTorch into {folder} ...");
    BenchProcess.Run("/usr/bin/python3", [Path.Combine(here, "make_checkpoints.py"), folder]);
}

// Warm the page cache for every side alike.
BenchProcess.Run("/usr/bin/python3", ["-c", $"import glob; [open(f,'rb').read() for f in ['{pt}', '{safetensors}'] + glob.glob('{folder}/sharded-*/*')]"]);
Console.WriteLine($"checkpoints: {new FileInfo(pt).Length / 1e6:F1} MB .pt, {new FileInfo(safetensors).Length / 1e6:F1} MB .safetensors; "
    + $"{rounds} interleaved rounds, {Environment.ProcessorCount} cores, medians of each side's own load time");

using torch.nn.Module model = torch.nn.Sequential(Enumerable.Range(0, 8)
    .Select(i => ($"{i}", (torch.nn.Module<torch.Tensor, torch.Tensor>)torch.nn.Linear(4096, 4096))).ToArray());
(string Name, string Path, Action<string> Load)[] sides =
[
    ("Transfer .pt", pt, path => model.LoadWeights(path)),
    ("PyBridge .pt", pt, path => model.load_py(path)),
    ("Transfer .safetensors", safetensors, path => model.LoadWeights(path)),
    ("PyBridge .safetensors", safetensors, path => model.load_safetensors(path)),
    ("Transfer sharded .safetensors", shardedSafetensors, path => model.LoadWeights(path)),
    ("PyBridge sharded .safetensors", shardedSafetensors, path => model.load_checkpoint(path, useTqdm: false)),
    ("Transfer sharded .bin", shardedBin, path => model.LoadWeights(path)),
    ("PyBridge sharded .bin", shardedBin, path => model.load_checkpoint(path, useTqdm: false)),
];
string[] formats = [".pt", ".safetensors", "sharded .safetensors", "sharded .bin"];

// Every side must load exactly what PyTorch loads.
string[] expected = BenchProcess.Run("/usr/bin/python3", [Path.Combine(here, "pytorch_load.py"), pt, "--hash"]).Split('\n')[1..];
foreach ((string name, string path, Action<string> load) in sides)
{
    Zero(model);
    long peakBefore = PeakRss();
    load(path);
    long peakAfter = PeakRss();
    string verdict = Hashes(model).SequenceEqual(expected) ? "equal" : "DIFFERENT";
    Console.WriteLine($"values loaded by {name,-30} vs PyTorch 1.13 (SHA-256 per tensor): {verdict}");
    if (name == sides[0].Name)
    {
        // Nothing but the model has been loaded yet, so any rise in the process's peak is this load's own.
        Console.WriteLine($"  peak RSS before and after this first load: {peakBefore / 1e6:F0} MB, {peakAfter / 1e6:F0} MB (+{(peakAfter - peakBefore) / 1e6:F0} MB)");
    }
}

Dictionary<string, List<double>> times = [];
for (int round = 0; round < rounds; round++)
{
    // Alternate who goes first, so neither side always follows the other's garbage or cache state.
    IEnumerable<(string Name, string Path, Action<string> Load)> order = round % 2 == 0 ? sides : sides.Reverse();
    foreach ((string name, string path, Action<string> load) in order)
    {
        Zero(model);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Stopwatch clock = Stopwatch.StartNew();
        load(path);
        Add(name, clock.Elapsed.TotalSeconds);
    }

    Add("PyTorch 1.13 .pt", double.Parse(BenchProcess.Run("/usr/bin/python3", [Path.Combine(here, "pytorch_load.py"), pt]), CultureInfo.InvariantCulture));
}

Console.WriteLine();
Console.WriteLine($"{"",-26}{"Transfer",10}{"PyBridge",10}{"PyTorch",10}{"Transfer/PyBridge",20}");
foreach (string format in formats)
{
    double ours = Median($"Transfer {format}");
    double bridge = Median($"PyBridge {format}");
    string torchTime = format == ".pt" ? Median("PyTorch 1.13 .pt").ToString("F3", CultureInfo.InvariantCulture) : "-";
    Console.WriteLine($"{format + " (s)",-26}{ours,10:F3}{bridge,10:F3}{torchTime,10}{ours / bridge,19:F2}x  goal <= 0.5x: {(ours <= 0.5 * bridge ? "met" : "NOT met")}");
}

// Each round's two loads of a format ran back to back, so their ratio is less affected by other jobs
// starting or stopping during the run than the ratio of the medians above.
Console.WriteLine();
foreach (string format in formats)
{
    List<double> ratios = [.. times[$"Transfer {format}"].Zip(times[$"PyBridge {format}"], (t, b) => t / b).Order()];
    Console.WriteLine($"median of the per-round Transfer/PyBridge ratios, {format}: {ratios[ratios.Count / 2]:F2}x");
}

Console.WriteLine();
foreach ((string name, List<double> values) in times)
{
    Console.WriteLine($"{name,-30} {string.Join(' ', values.Select(v => v.ToString("F3", CultureInfo.InvariantCulture)))}");
}

return 0;

void Add(string name, double seconds)
{
    if (!times.TryGetValue(name, out List<double>? list))
    {
        times[name] = list = [];
    }

    list.Add(seconds);
}

double Median(string name) => times[name].Order().ElementAt(times[name].Count / 2);

static void Zero(torch.nn.Module model)
{
    using (torch.no_grad())
    {
        foreach (torch.Tensor p in model.parameters())
        {
            p.zero_();
        }
    }
}

static long PeakRss()
{
    string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

static string[] Hashes(torch.nn.Module model) =>
    [.. model.state_dict().Select(kv => $"{kv.Key} {Convert.ToHexStringLower(SHA256.HashData(kv.Value.bytes))}")];

