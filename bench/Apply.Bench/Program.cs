using System.Diagnostics;
using System.Globalization;
using Transfer.Applying;
using Transfer.Rules;
using Transfer.Rules.Planning;
using Transfer.Transfers;

// Apply.Bench: what `transfer apply` runs (open both files, plan, validate, stream the merge to a .pt)
// against PyTorch doing the same
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
const int Rounds = 5;
Directory.CreateDirectory(folder);
string here = AppContext.BaseDirectory;
string source = Path.Combine(folder, "source.pt");
string target = Path.Combine(folder, "target.pt");
if (!File.Exists(source) || !File.Exists(target))
{
    Console.WriteLine($"writing {sizeMb} MB checkpoints with PyTorch into {folder} ...");
    BenchProcess.Run("/usr/bin/python3", [Path.Combine(here, "make_checkpoints.py"), folder, sizeMb.ToString(CultureInfo.InvariantCulture)]);
}

long size = new FileInfo(source).Length;
Console.WriteLine($"checkpoint size: {size / 1e6:F1} MB (source and target each); {Rounds} rounds, medians shown");
// Warm the page cache for both sides alike.
BenchProcess.Run("/usr/bin/python3", ["-c", $"open('{source}','rb').read(); open('{target}','rb').read()"]);
string self = Environment.ProcessPath!;
string[] oursArgs = ["--ours", source, target, Path.Combine(folder, "out_transfer.pt")];
List<Sample> pySamples = [];
List<Sample> ourSamples = [];
for (int round = 0; round < Rounds; round++)
{
    // Each side starts from the same state: no output file to truncate or replace, and no dirty pages left
    // by the other (PyTorch's torch.save leaves its output to the kernel to write back, which would otherwise
    // compete with our fsync).
    File.Delete(Path.Combine(folder, "out_pytorch.pt"));
    File.Delete(Path.Combine(folder, "out_transfer.pt"));
    BenchProcess.Run("/bin/sync", []);
    pySamples.Add(Sample.Of(() => BenchProcess.Run("/usr/bin/python3", [Path.Combine(here, "pytorch_merge.py"), source, target, Path.Combine(folder, "out_pytorch.pt")])));
    BenchProcess.Run("/bin/sync", []);
    ourSamples.Add(Sample.Of(() => Path.GetFileNameWithoutExtension(self) == "dotnet"
        ? BenchProcess.Run(self, [typeof(Program).Assembly.Location, .. oursArgs])
        : BenchProcess.Run(self, oursArgs)));
}

Sample py = Sample.Median(pySamples);
Sample ours = Sample.Median(ourSamples);
Console.WriteLine();
Console.WriteLine($"{"",-30}{"PyTorch",12}{"Transfer",12}{"ratio",10}");
Console.WriteLine($"{"time: load, merge, save (s)",-30}{py.Work,12:F2}{ours.Work,12:F2}{ours.Work / py.Work,10:F2}x");
Console.WriteLine($"{"time: whole process (s)",-30}{py.Wall,12:F2}{ours.Wall,12:F2}{ours.Wall / py.Wall,10:F2}x");
Console.WriteLine($"{"peak RSS (MB)",-30}{py.Rss / 1e6,12:F0}{ours.Rss / 1e6,12:F0}{(double)ours.Rss / py.Rss,10:F2}x");
Console.WriteLine($"{"peak RSS / ckpt size",-30}{(double)py.Rss / size,12:F2}{(double)ours.Rss / size,12:F2}");
Console.WriteLine($"{"tensors from source",-30}{py.Loaded,12}{ours.Loaded,12}");
Console.WriteLine($"each round's load, merge, save (s): PyTorch {Seconds(pySamples)}; Transfer {Seconds(ourSamples)}");
string equal = BenchProcess.Run("/usr/bin/python3", [Path.Combine(here, "compare_outputs.py"), Path.Combine(folder, "out_pytorch.pt"), Path.Combine(folder, "out_transfer.pt")]);
Console.WriteLine($"outputs (torch.load weights_only=True, torch.equal per tensor): {equal}");
Console.WriteLine();
Console.WriteLine($"goals: time <= 0.6x PyTorch ({(ours.Work <= 0.6 * py.Work ? "met" : "NOT met")}), peak RSS <= 1.5x checkpoint size ({(ours.Rss <= 1.5 * size ? "met" : "NOT met")})");
return 0;

// Exactly what `transfer apply --source S --target T --out O` does after parsing its arguments.
static int Merge(string sourcePath, string targetPath, string outPath)
{
    using StateDictSide source = StateDictSide.OpenFile(sourcePath);
    using StateDictSide target = StateDictSide.Open(targetPath);
    TransferPlan plan = WeightTransfer.Plan(source, target, RuleSet.Default);
    ApplyReport report = WeightTransfer.ApplyToFile(plan, source, target, outPath);
    return report.Loaded;
}

static string Seconds(List<Sample> samples) =>
    string.Join(' ', samples.Select(s => s.Work.ToString("F2", CultureInfo.InvariantCulture)));

static long PeakRss()
{
    string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

/// <summary>One timed run of a side: its own load-merge-save seconds, the whole process's seconds, peak RSS.</summary>
internal sealed record Sample(double Work, double Wall, long Rss, int Loaded)
{
    public static Sample Of(Func<string> run)
    {
        Stopwatch clock = Stopwatch.StartNew();
        string[] fields = run().Split(' ');
        double wall = clock.Elapsed.TotalSeconds;
        return new Sample(double.Parse(fields[0], CultureInfo.InvariantCulture), wall,
            long.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    public static Sample Median(List<Sample> samples)
    {
        static double Mid(IEnumerable<double> values) => values.Order().ElementAt(values.Count() / 2);
        return new Sample(Mid(samples.Select(s => s.Work)), Mid(samples.Select(s => s.Wall)),
            (long)Mid(samples.Select(s => (double)s.Rss)), samples[0].Loaded);
    }
}
