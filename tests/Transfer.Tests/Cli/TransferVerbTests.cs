using Transfer.Cli.Commands;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Tests.Formats;

namespace Transfer.Tests.Cli;

/// <summary>The plan and apply verbs on files PyTorch and TorchSharp wrote: reports, exit codes, errors, outputs.</summary>
public sealed class TransferVerbTests
{
    private static readonly string LeNet5 = Fixture.Path_("lenet5.dat");

    private static (int Code, string Out, string Err) Plan(string source, string target, string? rules = null, string format = "table", long? seed = null)
    {
        StringWriter stdout = new();
        StringWriter stderr = new();
        int code = CommandErrors.Run(() => PlanCommand.Run(source, target, rules, null, format, stdout, stderr, seed), stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string Rules(string yaml)
    {
        string path = Path.Combine(Fixture.TempFolder(), "rules.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void LeNet5_to_LeNet6_loads_8_skips_fc5_for_shape_and_leaves_fc7_missing()
    {
        (int code, string output, string errors) = Plan(LeNet5, "LeNet6");

        Assert.Equal(0, code);
        Assert.Equal("", errors);
        string[] lines = output.Split('\n');
        Assert.Equal($"Transfer plan: {LeNet5} -> LeNet6", lines[0]);
        Assert.Equal("loaded 8, partial 0, skipped 2, missing 2, unused 0", lines[1]);
        Assert.Contains("skipped  fc.5.weight            fc.5.weight            name  shape_mismatch  keep  [10, 84] -> [64, 84]", lines);
        Assert.Contains("missing  fc.7.{weight, bias}                                 no_source       keep", lines);
    }

    [Fact]
    public void Two_runs_print_identical_bytes()
    {
        Assert.Equal(Plan(LeNet5, "LeNet6", format: "json").Out, Plan(LeNet5, "LeNet6", format: "json").Out);
        Assert.Equal(Plan(LeNet5, "LeNet6", format: "md").Out, Plan(LeNet5, "LeNet6", format: "md").Out);
    }

    [Fact]
    public void Shape_mismatch_error_policy_exits_1_naming_fc5_after_printing_the_report()
    {
        (int code, string output, string errors) = Plan(LeNet5, "LeNet6", Rules("shape_mismatch: error\n"), "json");

        Assert.Equal(1, code);
        Assert.Contains("\"skipped\": 2", output);
        Assert.Equal(
            $"error: The plan from {LeNet5} to LeNet6 fails with 2 problems: fc.5.weight: shape [10, 84] in the source but [64, 84] in the target (shape_mismatch: error); fc.5.bias: shape [10] in the source but [64] in the target (shape_mismatch: error).\n",
            errors);
    }

    [Fact]
    public void Module_prefixed_checkpoint_loads_after_strip_prefix_and_loads_nothing_without_it()
    {
        string source = Fixture.Path_("module_prefixed.pt");

        Assert.Contains("loaded 0, partial 0, skipped 0, missing 12, unused 10", Plan(source, "LeNet6").Out);
        Assert.Contains("loaded 8, partial 0, skipped 2, missing 2, unused 0", Plan(source, "LeNet6", Rules("rules:\n  - strip_prefix: 'module.'\n")).Out);
    }

    [Fact]
    public void A_data_parallel_checkpoint_planned_without_rules_exits_1_and_suggests_strip_prefix_module()
    {
        string source = Fixture.Path_("module_prefixed.pt");
        (int code, string output, string errors) = Plan(source, "LeNet5");

        Assert.Equal(1, code);
        Assert.Contains("suggested: strip_prefix: 'module.'  (loads 10 of 10)\n", output);
        Assert.Equal(
            $"error: The plan from {source} to LeNet5 fails: nothing would load: none of the target's 10 tensors gets a source; " +
            "suggested: strip_prefix: 'module.'  (loads 10 of 10); set min_loaded: 0 if an empty load is intended.\n",
            errors);
        Assert.Contains("\"rule\": \"strip_prefix: 'module.'\"", Plan(source, "LeNet5", format: "json").Out);
        Assert.Equal(0, Plan(source, "LeNet5", Rules("min_loaded: 0\n")).Code);
    }

    [Fact]
    public void Plan_check_exits_0_when_the_plan_matches_the_saved_report_and_1_with_a_diff_when_it_does_not()
    {
        string saved = Path.Combine(Fixture.TempFolder(), "plan.json");
        File.WriteAllText(saved, Plan(LeNet5, "LeNet6", format: "json").Out);

        (int same, string sameOut, string sameErr) = Check(LeNet5, "LeNet6", null, saved);
        (int code, string output, string errors) = Check(LeNet5, "LeNet6", Rules("exclude: 'conv.0.*'\n"), saved);

        Assert.Equal((0, $"The plan matches {saved} (12 entries).\n", ""), (same, sameOut, sameErr));
        Assert.Equal(1, code);
        Assert.Equal(
            "conv.0.weight: status loaded -> skipped, reason - -> excluded\nconv.0.bias: status loaded -> skipped, reason - -> excluded\n",
            output);
        Assert.Equal($"error: The plan from {LeNet5} to LeNet6 differs from {saved} in 2 entries, listed above.\n", errors);
    }

    [Fact]
    public void Plan_check_against_a_file_that_is_not_a_report_exits_2()
    {
        (int code, _, string errors) = Check(LeNet5, "LeNet6", null, Rules("entries: 3\n"));

        Assert.Equal(2, code);
        Assert.StartsWith("error: ", errors);
        Assert.Contains("rules.yaml: not a plan report: not valid JSON", errors);
    }

    private static (int Code, string Out, string Err) Check(string source, string target, string? rules, string saved)
    {
        StringWriter stdout = new();
        StringWriter stderr = new();
        int code = CommandErrors.Run(() => PlanCommand.Run(source, target, rules, null, "table", stdout, stderr, checkPath: saved), stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void A_wrapper_prefix_that_matches_nothing_fails_min_loaded()
    {
        (int code, _, string errors) = Plan(Fixture.Path_("module_prefixed.pt"), "LeNet6", Rules("min_loaded: 0.5\n"));

        Assert.Equal(1, code);
        Assert.Contains("only 0.00% of the target's elements would load (0 of 66,946), below min_loaded 0.5", errors);
    }

    [Fact]
    public void Exclude_keeps_the_target_values_and_says_excluded()
    {
        (int code, string output, _) = Plan(LeNet5, "LeNet6", Rules("rules:\n  - exclude: 'conv.*'\n"));

        Assert.Equal(0, code);
        Assert.Contains("loaded 4, partial 0, skipped 6, missing 2, unused 0", output);
        Assert.Contains("excluded", output);
    }

    [Theory]
    [InlineData("nope.pt", "LeNet6", "error: nope.pt: no such file.\n")]
    [InlineData(null, "LeNet9", "error: LeNet9: no such file, and not a built-in model (LeNet5, LeNet6, MLP, ResNet18")]
    public void Bad_files_and_names_exit_2_with_one_line(string? source, string target, string expected)
    {
        (int code, string output, string errors) = Plan(source ?? LeNet5, target);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        // Other tests may register models of their own, so the list of names may go on.
        Assert.StartsWith(expected.TrimEnd('\n'), errors);
        Assert.Single(errors.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void A_misspelt_rule_names_the_line_column_and_the_closest_rule()
    {
        string rules = Rules("rules:\n  - strip_prefx: 'module.'\n");
        (int code, _, string errors) = Plan(LeNet5, "LeNet6", rules);

        Assert.Equal(2, code);
        Assert.Equal($"error: {rules}:2:5: unknown rule 'strip_prefx'; did you mean 'strip_prefix'?\n", errors);
    }

    [Fact]
    public void Apply_writes_source_values_where_loaded_and_target_values_elsewhere()
    {
        string output = Path.Combine(Fixture.TempFolder(), "lenet6.safetensors");
        StringWriter stdout = new();

        Assert.Equal(0, CommandErrors.Run(() => ApplyCommand.Run(LeNet5, "LeNet6", null, null, output, stdout)));

        Assert.EndsWith($"wrote {output}: 12 tensors; 8 loaded, 0 partial, 0 cast, 60,856 elements from the source\n", stdout.ToString());
        using Checkpoint source = CheckpointReader.Open(LeNet5);
        using Checkpoint merged = CheckpointReader.Open(output);
        Assert.Equal(
            ["conv.0.weight", "conv.0.bias", "conv.3.weight", "conv.3.bias", "fc.1.weight", "fc.1.bias", "fc.3.weight", "fc.3.bias", "fc.5.weight", "fc.5.bias", "fc.7.weight", "fc.7.bias"],
            merged.Specs.Select(s => s.Name));
        Dictionary<string, CheckpointTensor> byName = source.Tensors.ToDictionary(t => t.Spec.Name);
        foreach (CheckpointTensor tensor in merged.Tensors.Take(8))
        {
            Assert.Equal(byName[tensor.Spec.Name].Sha256(), tensor.Sha256());
        }

        Assert.Equal([64L, 84L], merged.Specs[8].Shape);
    }

    [Fact]
    public void Apply_of_a_failing_plan_exits_1_and_leaves_the_old_output_untouched()
    {
        string folder = Fixture.TempFolder();
        string output = Path.Combine(folder, "lenet6.pt");
        File.WriteAllText(output, "previous");
        StringWriter errors = new();

        int code = CommandErrors.Run(() => ApplyCommand.Run(LeNet5, "LeNet6", Rules("shape_mismatch: error\n"), null, output, TextWriter.Null), errors);

        Assert.Equal(1, code);
        Assert.Equal("previous", File.ReadAllText(output));
        Assert.Equal(["lenet6.pt"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Apply_to_an_unknown_extension_exits_2_before_reading_anything()
    {
        string output = Path.Combine(Fixture.TempFolder(), "lenet6.xyz");
        StringWriter errors = new();

        Assert.Equal(2, CommandErrors.Run(() => ApplyCommand.Run(LeNet5, "LeNet6", null, null, output, TextWriter.Null), errors));
        Assert.Equal($"error: {output}: cannot tell the output format from the extension '.xyz'; use .safetensors, .pt, .pth, .bin, .ckpt or .dat, or .safetensors.index.json or .bin.index.json for shards\n", errors.ToString());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Apply_file_onto_file_takes_every_matching_tensor_from_the_source_byte_for_byte()
    {
        string source = Fixture.Path_("checkpoint.pt");
        string output = Path.Combine(Fixture.TempFolder(), "merged.pt");
        StringWriter stdout = new();

        Assert.Equal(0, CommandErrors.Run(() => ApplyCommand.Run(source, LeNet5, null, null, output, stdout)));

        Assert.EndsWith($"wrote {output}: 10 tensors; 10 loaded, 0 partial, 0 cast, 61,706 elements from the source\n", stdout.ToString());
        using Checkpoint expected = CheckpointReader.Open(source);
        using Checkpoint merged = CheckpointReader.Open(output);
        Assert.Equal(expected.Specs, merged.Specs);
        Assert.Equal(expected.Tensors.Select(t => t.Sha256()), merged.Tensors.Select(t => t.Sha256()));
    }

    [Fact]
    public void Apply_with_a_slice_rule_copies_the_leading_block_into_a_file_target()
    {
        string rules = Rules("rules:\n  - shape: { match: 'fc.5.*', policy: slice }\n");
        string output = Path.Combine(Fixture.TempFolder(), "lenet6.safetensors");
        StringWriter stdout = new();

        Assert.Equal(0, CommandErrors.Run(() => ApplyCommand.Run(LeNet5, "LeNet6", rules, null, output, stdout)));

        Assert.EndsWith($"wrote {output}: 12 tensors; 8 loaded, 2 partial, 0 cast, 61,706 elements from the source\n", stdout.ToString());
        using Checkpoint source = CheckpointReader.Open(LeNet5);
        using Checkpoint merged = CheckpointReader.Open(output);
        using TorchSharp.torch.Tensor fromSource = source.Tensors.Single(t => t.Spec.Name == "fc.5.weight").Load();
        using TorchSharp.torch.Tensor written = merged.Tensors.Single(t => t.Spec.Name == "fc.5.weight").Load();
        using TorchSharp.torch.Tensor block = written.narrow(0, 0, 10).contiguous();
        Assert.Equal(fromSource.data<float>().ToArray(), block.data<float>().ToArray());
    }

    [Theory]
    [InlineData("float32", 0)]
    [InlineData("float64", 10)]
    public void Apply_file_onto_file_with_a_slice_or_a_cast_streams_the_rest_and_computes_only_those(string sourceDType, int casts)
    {
        string folder = Fixture.TempFolder();
        string target = Path.Combine(folder, "lenet6.safetensors");
        using (TorchSharp.torch.nn.Module model = ModelRegistry.Create("LeNet6"))
        {
            CheckpointWriter.Write(target, StateDictOrder.Entries(model));
        }

        // LeNet5 as float32 (loaded tensors stream from the file) or float64 (every one is cast to float32).
        string source = Path.Combine(folder, $"lenet5_{sourceDType}.safetensors");
        using (Checkpoint lenet5 = CheckpointReader.Open(LeNet5))
        {
            TorchSharp.torch.ScalarType type = sourceDType == "float64" ? TorchSharp.torch.float64 : TorchSharp.torch.float32;
            List<KeyValuePair<string, TorchSharp.torch.Tensor>> converted = [.. lenet5.Tensors.Select(t =>
            {
                using TorchSharp.torch.Tensor loaded = t.Load();
                return KeyValuePair.Create(t.Spec.Name, loaded.to(type));
            })];
            CheckpointWriter.Write(source, converted);
            converted.ForEach(d => d.Value.Dispose());
        }

        string rules = Rules("rules:\n  - shape: { match: 'fc.5.*', policy: slice }\n");
        string output = Path.Combine(folder, "merged.pt");
        StringWriter stdout = new();

        Assert.Equal(0, CommandErrors.Run(() => ApplyCommand.Run(source, target, rules, null, output, stdout)));

        Assert.EndsWith($"wrote {output}: 12 tensors; 8 loaded, 2 partial, {casts} cast, 61,706 elements from the source\n", stdout.ToString());
        using Checkpoint from = CheckpointReader.Open(source);
        using Checkpoint into = CheckpointReader.Open(target);
        using Checkpoint merged = CheckpointReader.Open(output);
        Assert.Equal(into.Specs, merged.Specs);
        foreach (CheckpointTensor written in merged.Tensors)
        {
            string name = written.Spec.Name;
            using TorchSharp.torch.Tensor actual = written.Load();
            using TorchSharp.torch.Tensor kept = into.Tensors.Single(t => t.Spec.Name == name).Load();
            CheckpointTensor? origin = from.Tensors.SingleOrDefault(t => t.Spec.Name == name);
            if (origin is null)
            {
                Assert.True(Same(actual, kept), $"{name} keeps the target's values");
                continue;
            }

            using TorchSharp.torch.Tensor loaded = origin.Load();
            using TorchSharp.torch.Tensor cast = loaded.to(TorchSharp.torch.float32);
            if (name.StartsWith("fc.5.", StringComparison.Ordinal))
            {
                using TorchSharp.torch.Tensor block = actual.narrow(0, 0, 10);
                using TorchSharp.torch.Tensor rest = actual.narrow(0, 10, actual.shape[0] - 10);
                using TorchSharp.torch.Tensor keptRest = kept.narrow(0, 10, kept.shape[0] - 10);
                Assert.True(Same(block, cast), $"{name}: the first 10 rows come from the source");
                Assert.True(Same(rest, keptRest), $"{name}: the other rows keep the target's values");
            }
            else
            {
                Assert.True(Same(actual, cast), $"{name} is the source cast to float32");
            }
        }
    }

    /// <summary>Same shape and the same float32 values, element for element.</summary>
    private static bool Same(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.contiguous().data<float>().ToArray().SequenceEqual(b.contiguous().data<float>().ToArray());

    [Fact]
    public void Apply_with_the_same_seed_twice_writes_identical_bytes_and_another_seed_changes_only_the_initialised_tensors()
    {
        string folder = Fixture.TempFolder();
        string target = Path.Combine(folder, "lenet6.safetensors");
        using (LeNet6 six = new())
        {
            CheckpointWriter.Write(target, StateDictOrder.Entries(six));
        }

        string rules = Rules("""
            init:
              - { match: 'fc.*.weight', kind: kaiming_uniform }
              - { match: 'fc.5.bias', kind: zeros }
              - { match: 'fc.7.bias', kind: normal, std: 0.01 }
            seed: 7
            """);
        string[] outputs = [Path.Combine(folder, "a.safetensors"), Path.Combine(folder, "b.safetensors"), Path.Combine(folder, "c.safetensors")];
        string[] seeds = ["1", "1", "2"];
        for (int i = 0; i < 3; i++)
        {
            (int code, string stdout, string stderr) = CliProcess.Run(
                "apply", "--source", LeNet5, "--target", target, "--rules", rules, "--out", outputs[i], "--seed", seeds[i]);
            Assert.True(code == 0, stderr);
            Assert.Contains("init seed " + seeds[i] + "\n", stdout);
            Assert.Contains("missing  fc.7.weight                                         no_source       kaiming_uniform", stdout);
            Assert.EndsWith($"8 loaded, 0 partial, 0 cast, 60,856 elements from the source; 4 initialized (seed {seeds[i]})\n", stdout);
        }

        Assert.Equal(File.ReadAllBytes(outputs[0]), File.ReadAllBytes(outputs[1]));
        using Checkpoint first = CheckpointReader.Open(outputs[0]);
        using Checkpoint other = CheckpointReader.Open(outputs[2]);
        using Checkpoint kept = CheckpointReader.Open(target);
        string[] changed = [.. first.Tensors.Zip(other.Tensors).Where(p => p.First.Sha256() != p.Second.Sha256()).Select(p => p.First.Spec.Name)];
        Assert.Equal(["fc.5.weight", "fc.7.weight", "fc.7.bias"], changed);
        Assert.NotEqual(kept.Tensors[10].Sha256(), first.Tensors[10].Sha256());
    }

    [Fact]
    public void Apply_adapts_a_one_channel_first_conv_to_three_channels_file_to_file()
    {
        string folder = Fixture.TempFolder();
        string target = Path.Combine(folder, "rgb.safetensors");
        using (TorchSharp.torch.Tensor rgb = TorchSharp.torch.zeros(6, 3, 5, 5))
        using (TorchSharp.torch.Tensor bias = TorchSharp.torch.zeros(6))
        {
            CheckpointWriter.Write(target, [KeyValuePair.Create("conv.0.weight", rgb), KeyValuePair.Create("conv.0.bias", bias)]);
        }

        string output = Path.Combine(folder, "out.safetensors");
        StringWriter stdout = new();

        int code = CommandErrors.Run(() => ApplyCommand.Run(
            LeNet5, target, Rules("rules:\n  - shape: { match: 'conv.0.weight', policy: adapt_channels }\n"), null, output, stdout));

        Assert.Equal(0, code);
        Assert.Contains(
            "partial conv.0.weight conv.0.weight name adapt_channels [6, 1, 5, 5] -> [6, 3, 5, 5]",
            stdout.ToString().Split('\n').Select(line => string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
        Assert.EndsWith("1 loaded, 1 partial, 0 cast, 456 elements from the source\n", stdout.ToString());
        using Checkpoint source = CheckpointReader.Open(LeNet5);
        using Checkpoint merged = CheckpointReader.Open(output);
        using TorchSharp.torch.Tensor gray = source.Tensors[0].Load();
        using TorchSharp.torch.Tensor adapted = merged.Tensors[0].Load();
        float[] g = gray.data<float>().ToArray();
        float[] a = adapted.data<float>().ToArray();
        float third = (float)(1.0 / 3);
        for (int o = 0; o < 6; o++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(g.Skip(o * 25).Take(25).Select(v => v * third), a.Skip(((o * 3) + c) * 25).Take(25));
            }
        }
    }

    [Fact]
    public void Plan_reports_each_unfilled_target_s_init_and_the_seed_which_seed_overrides()
    {
        string rules = Rules("init: [{ match: 'fc.7.weight', kind: xavier_uniform }, { match: 'fc.7.bias', kind: zeros }]\nseed: 4\n");

        string fromRules = Plan(LeNet5, "LeNet6", rules, "json").Out;
        (int code, string overridden, _) = Plan(LeNet5, "LeNet6", rules, "json", seed: 9);

        Assert.Equal(0, code);
        Assert.Contains("\"seed\": 4,", fromRules);
        Assert.Contains("\"seed\": 9,", overridden);
        Assert.Contains("\"init\": \"xavier_uniform\"", overridden);
        Assert.Contains("\"init\": \"zeros\"", overridden);
        Assert.Equal(2, overridden.Split("\"init\": \"keep\"").Length - 1);
        Assert.DoesNotContain("\"seed\"", Plan(LeNet5, "LeNet6", format: "json", seed: 9).Out);
    }
}
