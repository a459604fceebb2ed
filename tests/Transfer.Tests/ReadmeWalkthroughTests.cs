using System.Text.Json;
using System.Text.RegularExpressions;
using Transfer.Tests.Cli;
using Transfer.Tests.Data.Images;
using Transfer.Tests.FineTuning;
using Transfer.Tests.Models;

namespace Transfer.Tests;

/// <summary>
/// README's walkthrough "fine-tune ResNet18 from a PyTorch checkpoint on your photos", run as a user would run it:
/// its Python saves the torchvision checkpoint, its shell block writes rules.yaml and plans (the output it shows
/// is checked), and its photos.yaml and <c>transfer run</c> commands run through the real command on a generated
/// photo folder (JPEG and PNG of mixed sizes, one with an EXIF rotation, in the class folders of the walkthrough's
/// layout line, no val/). Everything is read from README.md, so the walkthrough cannot drift from the tool.
/// </summary>
/// <remarks>Child processes run in the test's own folder (their working directory), so no process-wide state changes.</remarks>
public sealed partial class ReadmeWalkthroughTests
{
    /// <summary>
    /// Small images, 2 epochs and batches of 4 (6 optimizer steps per epoch, so a stop lands inside one) keep the ResNet18
    /// run fast; the unfreeze moves with the epochs, since an unfreeze after the last epoch is refused.
    /// </summary>
    private static readonly string[] Small =
    [
        "--set", "data.transforms.resize=36", "--set", "data.transforms.random_resized_crop.size=32",
        "--set", "finetune.epochs=2", "--set", "finetune.unfreeze.0.epoch=2", "--set", "finetune.batch_size=4",
    ];

    [SkippableFact]
    public async Task The_walkthrough_runs_as_written_and_a_run_stopped_with_sigint_resumes_bitwise_equal()
    {
        Skip.IfNot(PyTorchProcess.Available, "/usr/bin/python3 cannot import torch");
        Walkthrough walk = Walkthrough.Read();
        string folder = Setup(walk, walk.Config);

        // The plan, and the lines the walkthrough shows of it.
        (int planCode, string plan, string planErr) = CliProcess.RunIn(folder, walk.PlanCommand);
        Assert.True(planCode == 0, planErr);
        string[] planLines = [.. plan.Split('\n').Select(Collapse)];
        Assert.All(walk.PlanShown, shown => Assert.Contains(planLines, line => Shows(line, shown)));

        // --print-config: exit 0, nothing written, and the printed config prints itself back.
        Assert.Equal(["run", walk.ConfigName, "--print-config"], walk.RunCommands[0]);
        (int printCode, string printed, string printErr) = CliProcess.RunIn(folder, walk.RunCommands[0]);
        Assert.Equal((0, string.Empty), (printCode, printErr));
        Assert.False(Directory.Exists(Path.Combine(folder, "runs")));
        File.WriteAllText(Path.Combine(folder, "printed.yaml"), printed);
        Assert.Equal((0, printed, string.Empty), CliProcess.RunIn(folder, "run", "printed.yaml", "--print-config"));

        // The run, uninterrupted into another folder; then as written, stopped with SIGINT inside an epoch, and resumed.
        string[] run = walk.RunCommands[1], resume = walk.RunCommands[2];
        Assert.Equal(["run", walk.ConfigName, "--out"], run[..^1]);
        Assert.Equal([.. run, "--resume"], resume);
        string whole = Path.Combine(folder, "runs", "whole"), stopped = Path.Combine(folder, run[^1]);
        (int code, _, string err) = CliProcess.RunIn(folder, [.. run[..^1], whole, .. Small]);
        Assert.True(code == 0, err);

        (int stopCode, _, string stopErr) = await CliStops.StopAt("INT", epoch: 2, batch: 3, folder, [.. run, .. Small]);
        Assert.Equal(130, stopCode);
        Assert.EndsWith(
            $"SIGINT: stopped after a batch and saved a checkpoint; resume with: transfer run {walk.ConfigName} --out {run[^1]} {string.Join(' ', Small)} --resume\n",
            stopErr);
        Assert.Equal("epoch-0002-at-12", Assert.Single(Directory.GetDirectories(Path.Combine(stopped, "checkpoints")).Select(Path.GetFileName))); // third batch of 4
        Assert.False(File.Exists(Path.Combine(stopped, "final.safetensors")));
        (int resumeCode, _, string resumeErr) = CliProcess.RunIn(folder, [.. resume, .. Small]);
        Assert.True(resumeCode == 0, resumeErr);

        AssertSameRun(whole, stopped, walk.Classes, epochs: 2);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(stopped, "report.json")));
        Assert.Equal(("partial", "adapt_channels"), Entry(report, "conv1.weight"));
        Assert.Equal(("skipped", null), Entry(report, "fc.weight"));
        JsonElement images = report.RootElement.GetProperty("data").GetProperty("imagefolder");
        Assert.Equal(1, images.GetProperty("channels").GetInt32());
        Assert.Equal(walk.Classes, images.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(
            """[{"resize":36},{"random_resized_crop":{"size":32,"scale":[0.5,1],"ratio":[0.75,1.3333],"attempts":10}},{"horizontal_flip":{"p":0.5}},{"normalize":{"preset":"custom","mean":[0.449],"std":[0.226]}}]""",
            Compact(images.GetProperty("transforms").GetProperty("train")));
        Assert.Equal(
            """[{"resize":36},{"center_crop":32},{"normalize":{"preset":"custom","mean":[0.449],"std":[0.226]}}]""",
            Compact(images.GetProperty("transforms").GetProperty("evaluation")));
        Assert.StartsWith("validation.split 0.2 of ", report.RootElement.GetProperty("data").GetProperty("validation").GetString(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_walkthrough_with_the_readme_own_model_target_trains_a_user_module_and_a_killed_run_resumes_bitwise_equal()
    {
        Skip.IfNot(PyTorchProcess.Available, "/usr/bin/python3 cannot import torch");
        Walkthrough walk = Walkthrough.Read();

        // photos.yaml with its target replaced by the README's own-model target, naming the fixture assembly's StemNet
        // (torchvision's conv1, bn1 and layer1.0 names), run at the walkthrough's own sizes and epochs.
        string target = walk.OwnModelTarget
            .Replace("MyModels.dll", $"'{UserModelsAssembly.Path}'", StringComparison.Ordinal)
            .Replace("MyNamespace.MyNet", "MyNamespace.StemNet", StringComparison.Ordinal);
        string config = TargetLine().Replace(walk.Config, _ => target, 1);
        Assert.NotEqual(walk.Config, config);
        string folder = Setup(walk, config);

        string[] run = walk.RunCommands[1], resume = walk.RunCommands[2];
        string whole = Path.Combine(folder, "runs", "whole"), stopped = Path.Combine(folder, run[^1]);
        (int code, _, string err) = CliProcess.RunIn(folder, [.. run[..^1], whole]);
        Assert.True(code == 0, err);

        (int killCode, _, _) = await CliStops.StopAt("KILL", epoch: 2, batch: 1, folder, run);
        Assert.Equal(137, killCode);
        Assert.Equal(["epoch-0001"], Directory.GetDirectories(Path.Combine(stopped, "checkpoints")).Select(Path.GetFileName));
        Assert.False(File.Exists(Path.Combine(stopped, "final.safetensors")));
        (int resumeCode, _, string resumeErr) = CliProcess.RunIn(folder, resume);
        Assert.True(resumeCode == 0, resumeErr);

        AssertSameRun(whole, stopped, walk.Classes, epochs: 10);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(stopped, "report.json")));
        Assert.Equal(("partial", "adapt_channels"), Entry(report, "conv1.weight"));
        Assert.Equal(("loaded", null), Entry(report, "layer1.0.conv1.weight"));
        Assert.Equal(("skipped", null), Entry(report, "fc.weight"));
        Assert.Equal(1, report.RootElement.GetProperty("data").GetProperty("imagefolder").GetProperty("channels").GetInt32());
    }

    /// <summary>
    /// A fresh folder holding what the walkthrough has the user make: the photos (in its class folders), resnet18.pt
    /// (its Python, run there), its rules file (from the shell heredoc) and its config (<paramref name="config"/>).
    /// </summary>
    private static string Setup(Walkthrough walk, string config)
    {
        string folder = TestFolders.New("walkthrough");
        string photos = Path.Combine(folder, "photos");
        PhotoFolder.Create(photos, walk.Classes, perClass: 10, minSide: 24, seed: 5); // 24 training images, 6 validation
        string rotated = Path.Combine(photos, "train", walk.Classes[0], "000.jpg");
        File.WriteAllBytes(rotated, PhotoFolder.WithExifOrientation(File.ReadAllBytes(rotated), 6)); // a phone photo, "rotate 90°"

        PyTorchProcess.Run(walk.Python, string.Empty, folder);
        Assert.True(File.Exists(Path.Combine(folder, walk.PlanCommand[Array.IndexOf(walk.PlanCommand, "--source") + 1])));
        File.WriteAllText(Path.Combine(folder, walk.RulesFile), walk.RulesYaml);
        File.WriteAllText(Path.Combine(folder, walk.ConfigName), config);
        return folder;
    }

    /// <summary>The stopped and resumed run's results are the uninterrupted run's, bit for bit; classes.json and the TensorBoard events are there.</summary>
    private static void AssertSameRun(string whole, string stopped, IReadOnlyList<string> classes, int epochs)
    {
        foreach (string file in new[] { "final.safetensors", "best.safetensors", "classes.json" })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(whole, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(stopped, file))), $"{file} differs");
        }

        Assert.Equal($"[\n{string.Join(",\n", classes.Order(StringComparer.Ordinal).Select(c => $"  \"{c}\""))}\n]\n", File.ReadAllText(Path.Combine(whole, "classes.json")));
        string[] metrics = File.ReadAllLines(Path.Combine(whole, "metrics.csv"));
        Assert.Equal(epochs + 1, metrics.Length);
        Assert.Equal(WithoutSeconds(metrics), WithoutSeconds(File.ReadAllLines(Path.Combine(stopped, "metrics.csv"))));

        // One event file per run segment; every epoch's scalars once, over the segments.
        Assert.Equal(epochs, EventFiles(whole, 1).Sum(f => Count(f, "loss/train"u8)));
        Assert.Equal(epochs, EventFiles(stopped, 2).Sum(f => Count(f, "accuracy/val"u8)));
    }

    private static byte[][] EventFiles(string run, int expected)
    {
        string[] files = Directory.GetFiles(Path.Combine(run, "tensorboard"), "events.out.tfevents.*");
        Assert.Equal(expected, files.Length);
        return [.. files.Select(File.ReadAllBytes)];
    }

    private static int Count(byte[] bytes, ReadOnlySpan<byte> tag)
    {
        int count = 0;
        for (ReadOnlySpan<byte> rest = bytes; rest.IndexOf(tag) is int at and >= 0; rest = rest[(at + tag.Length)..])
        {
            count++;
        }

        return count;
    }

    /// <summary>metrics.csv without its seconds column (found by the header: wall time is the one thing that differs).</summary>
    private static IEnumerable<string> WithoutSeconds(string[] lines)
    {
        int seconds = Array.IndexOf(lines[0].Split(','), "seconds");
        Assert.True(seconds >= 0, "metrics.csv has no seconds column");
        return lines.Select(line => string.Join(',', line.Split(',').Where((_, i) => i != seconds)));
    }

    private static (string? Status, string? Policy) Entry(JsonDocument report, string target)
    {
        JsonElement entry = report.RootElement.GetProperty("entries").EnumerateArray().Single(e => e.TryGetProperty("target", out JsonElement t) && t.GetString() == target);
        return (entry.GetProperty("status").GetString(), entry.TryGetProperty("policy", out JsonElement policy) ? policy.GetString() : null);
    }

    private static string Compact(JsonElement element) => JsonSerializer.Serialize(element);

    /// <summary>A line as the walkthrough shows it: runs of spaces as one.</summary>
    private static string Collapse(string line) => Spaces().Replace(line.Trim(), " ");

    /// <summary>True when <paramref name="line"/> is <paramref name="shown"/>, where "…" in it stands for anything.</summary>
    private static bool Shows(string line, string shown)
    {
        string[] parts = shown.Split('…');
        return parts.Length switch
        {
            1 => line == shown,
            2 => line.StartsWith(parts[0].TrimEnd(), StringComparison.Ordinal) && line.EndsWith(parts[1].TrimStart(), StringComparison.Ordinal),
            _ => throw new InvalidOperationException($"more than one … in '{shown}'"),
        };
    }

    [GeneratedRegex(" {2,}")]
    private static partial Regex Spaces();

    [GeneratedRegex("^target: .*$", RegexOptions.Multiline)]
    private static partial Regex TargetLine();

    /// <summary>What the walkthrough section of README.md has the user write and run.</summary>
    private sealed partial record Walkthrough(
        string Python,
        IReadOnlyList<string> Classes,
        string RulesFile,
        string RulesYaml,
        string[] PlanCommand,
        IReadOnlyList<string> PlanShown,
        string ConfigName,
        string Config,
        IReadOnlyList<string[]> RunCommands,
        string OwnModelTarget)
    {
        public static Walkthrough Read()
        {
            string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
            int start = readme.IndexOf("\n### Walkthrough:", StringComparison.Ordinal);
            Assert.True(start >= 0, "README.md has no walkthrough section");
            int end = readme.IndexOf("\n### ", start + 1, StringComparison.Ordinal);
            string section = readme[start..end];
            (string Lang, string Body)[] blocks = [.. Fence().Matches(section).Select(m => (m.Groups[1].Value, m.Groups[2].Value))];
            Assert.Equal(["python", string.Empty, "bash", "yaml", "bash"], blocks.Select(b => b.Lang));

            string[] classes = [.. ClassFolder().Matches(blocks[1].Body).Select(m => m.Groups[1].Value)];
            Match heredoc = Heredoc().Match(blocks[2].Body);
            Assert.True(heredoc.Success, "the walkthrough's shell block writes no rules file");
            string[] shell = blocks[2].Body.Split('\n');
            int plan = Array.FindIndex(shell, l => l.StartsWith("transfer plan ", StringComparison.Ordinal));
            string[] shown = [.. shell.Skip(plan + 1).TakeWhile(l => l.StartsWith("# ", StringComparison.Ordinal)).Select(l => Collapse(l[2..]))];
            Assert.NotEmpty(shown);

            string config = blocks[3].Body;
            Match name = ConfigFileName().Match(config);
            Assert.True(name.Success, "the walkthrough's config does not start with its file name");
            string[][] runs = [.. blocks[4].Body.Split('\n').Where(l => l.StartsWith("transfer ", StringComparison.Ordinal)).Select(Command)];
            Assert.Equal(3, runs.Length);
            Match own = OwnTarget().Match(section);
            Assert.True(own.Success, "the walkthrough shows no own-model target");

            return new Walkthrough(blocks[0].Body, classes, heredoc.Groups[1].Value, heredoc.Groups[3].Value, Command(shell[plan]), shown, name.Groups[1].Value, config, runs, own.Groups[1].Value);
        }

        /// <summary>A README command line as arguments of <c>transfer</c>: the trailing comment dropped, split at spaces.</summary>
        private static string[] Command(string line)
        {
            string[] words = line.Split('#')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("transfer", words[0]);
            return words[1..];
        }

        [GeneratedRegex(@"^```(\w*)\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
        private static partial Regex Fence();

        [GeneratedRegex(@"photos/train/([^/\s]+)/")]
        private static partial Regex ClassFolder();

        [GeneratedRegex(@"^cat > (\S+) <<'(\w+)'\n(.*?\n)\2$", RegexOptions.Multiline | RegexOptions.Singleline)]
        private static partial Regex Heredoc();

        [GeneratedRegex(@"\A# (\S+\.yaml)\n")]
        private static partial Regex ConfigFileName();

        [GeneratedRegex(@"`(target: \{ model: \{ assembly: [^`]*\})`")]
        private static partial Regex OwnTarget();
    }
}
