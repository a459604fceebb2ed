using System.Diagnostics;
using System.Globalization;
using Transfer.Formats;

// Apply.Bench: Transfer's streaming read -> merge -> write of a ~520 MB .pt against PyTorch doing the same
// (torch.load x2, merge by name and shape, torch.save), each in its own process, printed side by side.
// Usage: dotnet run -c Release --project bench/Apply.Bench [-- <work folder> <size MB>]
// Our side also runs alone as: Apply.Bench --ours <source> <target> <out>
if (args.Length == 4 && args[0] == "--ours")
{
    Stopwatch clock = Stopwatch.StartNew();
    int loaded = Merge(args[1], args[2], args[3]);
    clock.Stop();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:F3} {PeakRss()} {loaded}"));
    return 0;
}

string folder = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "transfer-apply-bench");
int sizeMb = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 520;
Directory.CreateDirectory(folder);
string here = AppContext.BaseDirectory;
string source = Path.Combine(folder, "source.pt");
string target = Path.Combine(folder, "target.pt");
if (!File.Exists(source) || !File.Exists(target))
{
    Console.WriteLine($"writing {sizeMb} MB checkpoints with PyTorch into {folder} ...");
    Run("/usr/bin/python3", [Path.Combine(here, "make_checkpoints.py"), folder, sizeMb.ToString(CultureInfo.InvariantCulture)]);
}

long size = new FileInfo(source).Length;
Console.WriteLine($"checkpoint size: {size / 1e6:F1} MB (source and target each)");
// Warm the page cache for both sides alike.
Run("/usr/bin/python3", ["-c", $"open('{source}','rb').read(); open('{target}','rb').read()"]);
string[] py = Run("/usr/bin/python3", [Path.Combine(here, "pytorch_merge.py"), source, target, Path.Combine(folder, "out_pytorch.pt")]).Split(' ');
string self = Environment.ProcessPath!;
string[] oursArgs = ["--ours", source, target, Path.Combine(folder, "out_transfer.pt")];
string[] ours = (Path.GetFileNameWithoutExtension(self) == "dotnet"
    ? Run(self, [typeof(Program).Assembly.Location, .. oursArgs])
    : Run(self, oursArgs)).Split(' ');
double pySeconds = double.Parse(py[0], CultureInfo.InvariantCulture);
double ourSeconds = double.Parse(ours[0], CultureInfo.InvariantCulture);
long pyRss = long.Parse(py[1], CultureInfo.InvariantCulture);
long ourRss = long.Parse(ours[1], CultureInfo.InvariantCulture);
Console.WriteLine();
Console.WriteLine($"{"",-22}{"PyTorch",14}{"Transfer",14}{"ratio",10}");
Console.WriteLine($"{"time (s)",-22}{pySeconds,14:F2}{ourSeconds,14:F2}{ourSeconds / pySeconds,10:F2}x");
Console.WriteLine($"{"peak RSS (MB)",-22}{pyRss / 1e6,14:F0}{ourRss / 1e6,14:F0}{(double)ourRss / pyRss,10:F2}x");
Console.WriteLine($"{"peak RSS / ckpt size",-22}{(double)pyRss / size,14:F2}{(double)ourRss / size,14:F2}");
Console.WriteLine($"{"tensors from source",-22}{py[2].Trim(),14}{ours[2].Trim(),14}");
Console.WriteLine();
Console.WriteLine($"goals: time <= 0.6x PyTorch ({(ourSeconds <= 0.6 * pySeconds ? "met" : "NOT met")}), peak RSS <= 1.5x checkpoint size ({(ourRss <= 1.5 * size ? "met" : "NOT met")})");
return 0;

static int Merge(string sourcePath, string targetPath, string outPath)
{
    using Checkpoint source = CheckpointReader.Open(sourcePath);
    using Checkpoint target = CheckpointReader.Open(targetPath);
    Dictionary<string, CheckpointTensor> bySource = source.Tensors.ToDictionary(t => t.Spec.Name);
    int loaded = 0;
    List<KeyValuePair<string, CheckpointTensor>> merged = [];
    foreach (CheckpointTensor t in target.Tensors)
    {
        bool take = bySource.TryGetValue(t.Spec.Name, out CheckpointTensor? s) && s.Spec.Equals(t.Spec with { Name = s.Spec.Name });
        loaded += take ? 1 : 0;
        merged.Add(KeyValuePair.Create(t.Spec.Name, take ? s! : t));
    }

    CheckpointWriter.Write(outPath, merged);
    return loaded;
}

static long PeakRss()
{
    string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

static string Run(string file, string[] arguments)
{
    ProcessStartInfo start = new(file) { RedirectStandardOutput = true };
    foreach (string a in arguments)
    {
        start.ArgumentList.Add(a);
    }

    using Process process = Process.Start(start)!;
    string output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}");
    }

    return output.Trim();
}
