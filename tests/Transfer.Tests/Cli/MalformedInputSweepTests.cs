using Transfer.Cli.Commands;
using Transfer.Tests.FineTuning;
using Transfer.Tests.Formats;

namespace Transfer.Tests.Cli;

/// <summary>
/// Every verb against every kind of malformed input the suite knows, through the real command: exactly one
/// line on stderr starting with <c>error: </c>, the documented exit code, and never a stack frame.
/// </summary>
public sealed class MalformedInputSweepTests
{
    private static readonly string LeNet5 = Path.Combine(RepoPaths.Root, "examples", "LeNet5to6", "lenet5.pt");
    private static readonly string ExampleConfig = Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml");
    private static readonly Lazy<Inputs> Files = new(Inputs.Create);

    /// <summary>The malformed inputs, made once in a fresh folder.</summary>
    private sealed record Inputs(string Folder)
    {
        public string Missing => Path.Combine(Folder, "missing.pt");
        public string Empty => Path.Combine(Folder, "empty.pt");
        public string Truncated => Path.Combine(Folder, "truncated.pt");
        public string WrongMagic => Path.Combine(Folder, "magic.pt");
        public string Directory => Path.Combine(Folder, "a-folder");
        public string ControlChars => Path.Combine(Folder, "bad\nname\u001b[31m.pt");
        public string UnclosedYaml => Path.Combine(Folder, "unclosed.yaml");
        public string TabYaml => Path.Combine(Folder, "tab.yaml");
        public string LaughsYaml => Path.Combine(Folder, "laughs.yaml");
        public string EmptyYaml => Path.Combine(Folder, "empty.yaml");
        public string NotYamlRules => Path.Combine(Folder, "text.yaml");
        public string Out(string name) => Path.Combine(Folder, "out-" + Guid.NewGuid().ToString("N") + name);

        public static Inputs Create()
        {
            Inputs i = new(TestFolders.New("sweep"));
            File.WriteAllBytes(i.Empty, []);
            File.WriteAllBytes(i.Truncated, File.ReadAllBytes(LeNet5)[..4000]);
            File.WriteAllText(i.WrongMagic, "this is not a checkpoint\n");
            System.IO.Directory.CreateDirectory(i.Directory);
            File.WriteAllText(i.UnclosedYaml, "rules: [ { strip_prefix: a }\nmatch: name\n");
            File.WriteAllText(i.TabYaml, "rules:\n\t- strip_prefix: a\n");
            File.WriteAllText(i.LaughsYaml, "? " + RunConfigReaderTests.FlowLaughs + "\n: 1\n");
            File.WriteAllText(i.EmptyYaml, string.Empty);
            File.WriteAllText(i.NotYamlRules, "\u0000\u0001binary");
            return i;
        }
    }

    public static TheoryData<string, string[], int> Cases()
    {
        Inputs f = Files.Value;
        string[] checkpoints = [f.Missing, f.Empty, f.Truncated, f.WrongMagic, f.Directory, f.ControlChars, f.UnclosedYaml];
        string[] yamls = [f.Missing, f.Directory, f.UnclosedYaml, f.TabYaml, f.LaughsYaml, f.NotYamlRules];
        TheoryData<string, string[], int> cases = new();
        foreach (string c in checkpoints)
        {
            string kind = Path.GetFileName(c);
            cases.Add($"inspect {kind}", ["inspect", c], 2);
            cases.Add($"plan --source {kind}", ["plan", "--source", c, "--target", "LeNet6"], 2);
            cases.Add($"plan --target {kind}", ["plan", "--source", LeNet5, "--target", c], 2);
            cases.Add($"apply --source {kind}", ["apply", "--source", c, "--target", "LeNet6", "--out", f.Out(".safetensors")], 2);
            cases.Add($"convert {kind}", ["convert", c, f.Out(".safetensors")], 2);
            cases.Add($"run with source.path {kind}", ["run", ExampleConfig, "--out", f.Out(""), "--set", $"source.path={c}"], 2);
        }

        foreach (string y in yamls)
        {
            string kind = Path.GetFileName(y);
            cases.Add($"plan --rules {kind}", ["plan", "--source", LeNet5, "--target", "LeNet6", "--rules", y], 2);
            cases.Add($"apply --rules {kind}", ["apply", "--source", LeNet5, "--target", "LeNet6", "--rules", y, "--out", f.Out(".pt")], 2);
            cases.Add($"run {kind}", ["run", y, "--out", f.Out("")], 2);
        }

        cases.Add("run empty config", ["run", f.EmptyYaml, "--out", f.Out("")], 2);
        cases.Add("run --set without =", ["run", ExampleConfig, "--out", f.Out(""), "--set", "finetune.epochs"], 2);
        cases.Add("run --set bad value", ["run", ExampleConfig, "--out", f.Out(""), "--set", "finetune.epochs=[1,"], 2);
        cases.Add("run --set unknown key", ["run", ExampleConfig, "--out", f.Out(""), "--set", "finetune.epoch=3"], 2);
        cases.Add("run --set laughs", ["run", ExampleConfig, "--out", f.Out(""), "--set", "finetune.freeze=" + RunConfigReaderTests.FlowLaughs], 2);
        if (!TorchSharp.torch.cuda.is_available())
        {
            cases.Add("run --set device cuda", ["run", ExampleConfig, "--out", f.Out(""), "--set", "finetune.device=cuda"], 2);
        }

        cases.Add("run --set data missing", ["run", ExampleConfig, "--out", f.Out(""), "--set", $"data.path={f.Missing}"], 2);
        cases.Add("run --out is a file", ["run", ExampleConfig, "--out", f.WrongMagic], 2);
        cases.Add("run --resume without checkpoint", ["run", ExampleConfig, "--out", f.Out(""), "--resume"], 2);
        cases.Add("run head narrower than classes", ["run", ExampleConfig, "--out", f.Out(""), "--set", "target.classes=2"], 2);
        cases.Add("run plan breaks its rules", ["run", ExampleConfig, "--out", f.Out(""), "--set", "rules.shape_mismatch=error"], 1);
        cases.Add("plan breaks its rules", ["plan", "--source", LeNet5, "--target", "LeNet6", "--rules", WriteRules(f, "shape_mismatch: error\n")], 1);
        cases.Add("apply to an unknown extension", ["apply", "--source", LeNet5, "--target", "LeNet6", "--out", f.Out(".txt")], 2);
        cases.Add("apply under a file", ["apply", "--source", LeNet5, "--target", "LeNet6", "--out", Path.Combine(f.WrongMagic, "x.pt")], 2);
        cases.Add("convert to an unknown extension", ["convert", LeNet5, f.Out(".bin2")], 2);
        foreach (string verb in new[] { "inspect", "plan", "apply", "convert", "run" })
        {
            cases.Add($"{verb} --bogus", [verb, "--bogus"], 2);
        }

        cases.Add("unknown verb", ["inspec", LeNet5], 2);
        cases.Add("unknown top-level option", ["--bogus"], 2);
        return cases;
    }

    private static string WriteRules(Inputs f, string yaml)
    {
        string path = f.Out(".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_failure_is_one_line_with_its_exit_code_and_no_stack_trace(string name, string[] args, int code)
    {
        (int exit, string stdout, string stderr) = CliProcess.Run(args);

        Assert.True(exit == code, $"{name}: exit {exit}, stderr: {stderr}");
        Assert.EndsWith("\n", stderr);
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        if (args[0] != "run")
        {
            Assert.Single(lines);
        }

        // A run logs to stderr as it goes; its failure is still exactly one line, the last.
        Assert.Single(lines, line => line.StartsWith("error: ", StringComparison.Ordinal));
        Assert.StartsWith("error: ", lines[^1]);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("   at ", stdout);
        Assert.DoesNotContain('\u001b', stderr);
    }

    /// <summary>
    /// Issue 12's entry points, hostile: a shard index naming a missing shard (its folder), one whose shard path
    /// escapes its folder, a module pickle whose class reduces to <c>os.system</c>, a TorchScript archive whose
    /// class has no declaration and a NumPy pickle calling <c>numpy.load</c>; each at every verb that opens
    /// checkpoints, with the output each would write (null for none).
    /// </summary>
    public static TheoryData<string, string[], string?> HostileNewFormatCases()
    {
        Inputs f = Files.Value;
        string sharded = Path.Combine(Fixture.Folder, "sharded", "hostile");
        string[] files =
        [
            Path.Combine(sharded, "missing_shard"),
            Path.Combine(sharded, "escape", "model.safetensors.index.json"),
            Fixture.Bad("module_os_system.pt"),
            Fixture.Bad("torchscript_bad_declaration.pt"),
            Fixture.Bad("numpy_load_global.pkl"),
        ];
        string data = Export.ExportFixtures.IdxFolder(8, 3);
        TheoryData<string, string[], string?> cases = new();
        foreach (string c in files)
        {
            string kind = Path.GetRelativePath(Fixture.Folder, c);
            string apply = f.Out(".safetensors");
            string applySharded = f.Out(".safetensors.index.json");
            string convert = f.Out(".safetensors");
            string run = f.Out("");
            string export = f.Out(".onnx");
            string evaluate = f.Out("");
            cases.Add($"inspect {kind}", ["inspect", c, "--format", "json", "--hash"], null);
            cases.Add($"plan --source {kind}", ["plan", "--source", c, "--target", "LeNet6"], null);
            cases.Add($"plan --target {kind}", ["plan", "--source", LeNet5, "--target", c], null);
            cases.Add($"apply --source {kind}", ["apply", "--source", c, "--target", "LeNet6", "--out", apply], apply);
            cases.Add($"apply --source {kind} to shards", ["apply", "--source", c, "--target", "LeNet6", "--out", applySharded], applySharded);
            cases.Add($"convert {kind}", ["convert", c, convert], convert);
            cases.Add($"run with source.path {kind}", ["run", ExampleConfig, "--out", run, "--set", $"source.path={c}"], run);
            cases.Add($"export --weights {kind}", ["export", "--model", "LeNet5", "--weights", c, "--out", export], export);
            cases.Add($"evaluate --weights {kind}", ["evaluate", "--model", "LeNet5", "--weights", c, "--data", data, "--out", evaluate], evaluate);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(HostileNewFormatCases))]
    public void A_hostile_shard_index_module_pickle_or_NumPy_pickle_is_one_line_exit_2_and_writes_nothing(string kind, string[] args, string? output)
    {
        (int exit, string stdout, string stderr) = CliProcess.Run(args);

        Assert.True(exit == 2, $"{kind}: exit {exit}, stderr: {stderr}");
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        if (args[0] != "run")
        {
            Assert.Single(lines);
        }

        Assert.Single(lines, line => line.StartsWith("error: ", StringComparison.Ordinal));
        Assert.StartsWith("error: ", lines[^1]);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("   at ", stdout);
        if (output is not null)
        {
            // The output, its sidecar, its shards and its temp files all start with the output's name up to the first dot.
            string folder = Path.GetDirectoryName(output)!;
            string name = Path.GetFileName(output);
            string stem = name.Contains('.', StringComparison.Ordinal) ? name[..name.IndexOf('.', StringComparison.Ordinal)] : name;
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder, stem + "*"));
            Assert.Empty(Directory.EnumerateFiles(folder, "*.transfer-tmp"));
        }
    }

    /// <summary>Every file of the hostile and broken corpus.</summary>
    public static TheoryData<string> Corpus() =>
        new(Directory.GetFiles(Path.Combine(Fixture.Folder, "malicious")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Every_hostile_or_broken_file_is_read_or_refused_in_one_line_by_every_file_verb(string name)
    {
        // The corpus holds files that must be refused and unusual files that must be read exactly (a tensor
        // named __metadata__, control characters in names, a storage named with two dtypes): each verb either
        // succeeds or fails in one line with its exit code, and a failed verb leaves no output and no temp file.
        string file = Fixture.Bad(name);
        string outFolder = Files.Value.Out("");
        Directory.CreateDirectory(outFolder);
        (string? Output, Func<TextWriter, TextWriter, int> Verb)[] verbs =
        [
            (null, (o, _) => InspectCommand.Run(file, "json", hash: true, key: null, o)),
            (null, (o, e) => PlanCommand.Run(file, "LeNet6", null, null, "table", o, e)),
            (Path.Combine(outFolder, "a.safetensors"), (o, _) => ApplyCommand.Run(file, "LeNet6", null, null, Path.Combine(outFolder, "a.safetensors"), o)),
            (Path.Combine(outFolder, "c.safetensors"), (o, _) => ConvertCommand.Run(file, Path.Combine(outFolder, "c.safetensors"), null, o)),
        ];

        foreach ((string? output, Func<TextWriter, TextWriter, int> verb) in verbs)
        {
            StringWriter stdout = new();
            StringWriter stderr = new();
            int code = CommandErrors.Run(() => verb(stdout, stderr), stderr);
            if (code == 0)
            {
                Assert.Equal("", stderr.ToString());
                continue;
            }

            Assert.True(code is 1 or 2, $"{name}: exit {code}, stderr: {stderr}");
            Assert.StartsWith("error: ", stderr.ToString());
            Assert.Single(stderr.ToString().TrimEnd('\n').Split('\n'));
            Assert.DoesNotContain("   at ", stderr.ToString());
            Assert.False(output is not null && File.Exists(output), $"{name}: a refused verb wrote {output}");
        }

        Assert.Empty(Directory.EnumerateFiles(outFolder, "*.transfer-tmp"));
    }
}
