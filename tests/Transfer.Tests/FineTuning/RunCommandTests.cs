using System.Globalization;
using Transfer.Tests.Cli;

namespace Transfer.Tests.FineTuning;

/// <summary>
/// The CLI end to end, as a child process (the test output folder holds Transfer.Cli.dll): a run killed
/// with SIGKILL, or stopped with SIGINT mid-epoch, and resumed ends bitwise equal to an uninterrupted one;
/// SIGTERM stops cleanly too; results go to stdout and logs to stderr.
/// </summary>
public sealed class RunCommandTests : IDisposable
{
    private static readonly string Config = Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml");
    private readonly string _out = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_out, true);

    [Fact]
    public async Task A_run_killed_with_sigkill_and_resumed_ends_bitwise_equal_to_an_uninterrupted_run()
    {
        string whole = Path.Combine(_out, "whole");
        var first = CliProcess.Run("run", Config, "--out", whole, "--set", "finetune.epochs=12");
        Assert.True(first.Code == 0, first.Err);

        string killed = Path.Combine(_out, "killed");
        (int code, _, _) = await CliStops.StopAt("KILL", epoch: 3, batch: 2, null, "run", Config, "--out", killed, "--set", "finetune.epochs=12");
        Assert.Equal(137, code);
        Assert.Equal(["epoch-0002"], Directory.GetDirectories(Path.Combine(killed, "checkpoints")).Select(Path.GetFileName));

        Assert.False(File.Exists(Path.Combine(killed, "final.safetensors")));
        var resumed = CliProcess.Run("run", Config, "--out", killed, "--set", "finetune.epochs=12", "--resume");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "final.safetensors")), File.ReadAllBytes(Path.Combine(killed, "final.safetensors")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "transferred.safetensors")), File.ReadAllBytes(Path.Combine(killed, "transferred.safetensors")));
    }

    [Fact]
    public async Task A_run_with_every_training_feature_killed_with_sigkill_and_resumed_ends_bitwise_equal_to_an_uninterrupted_run()
    {
        string[] sets =
        [
            "--set", "finetune.epochs=12", "--set", "finetune.grad_clip=1", "--set", "finetune.accumulate=2",
            "--set", "finetune.label_smoothing=0.1", "--set", "finetune.ema=0.9", "--set", "finetune.scheduler.type=onecycle",
            "--set", "finetune.scheduler.warmup_epochs=2",
        ];
        string whole = Path.Combine(_out, "whole");
        var first = CliProcess.Run(["run", Config, "--out", whole, .. sets]);
        Assert.True(first.Code == 0, first.Err);

        string killed = Path.Combine(_out, "killed");
        (int code, _, _) = await CliStops.StopAt("KILL", epoch: 3, batch: 3, null, ["run", Config, "--out", killed, .. sets]); // inside an accumulation group
        Assert.Equal(137, code);
        Assert.Equal(["epoch-0002"], Directory.GetDirectories(Path.Combine(killed, "checkpoints")).Select(Path.GetFileName));

        Assert.False(File.Exists(Path.Combine(killed, "final.safetensors")));
        var resumed = CliProcess.Run(["run", Config, "--out", killed, .. sets, "--resume"]);
        Assert.True(resumed.Code == 0, resumed.Err);
        foreach (string file in new[] { "final.safetensors", "best.safetensors" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, file)), File.ReadAllBytes(Path.Combine(killed, file)));
        }

        Assert.Equal(
            MetricsRows.WithoutSeconds(whole),
            MetricsRows.WithoutSeconds(killed));
    }

    [Fact]
    public void Bf16_precision_is_one_line_on_stderr_with_exit_code_two_and_no_out_folder()
    {
        string outDir = Path.Combine(_out, "bf16");
        var result = CliProcess.Run("run", Config, "--out", outDir, "--set", "finetune.precision=bf16");
        Assert.Equal(2, result.Code);
        Assert.Equal(
            "error: finetune.precision: bf16 needs autocast, which TorchSharp 0.107 does not provide on any device (cpu or cuda); use fp32",
            result.Err.Trim());
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public async Task A_run_stopped_with_sigint_mid_epoch_says_how_to_resume_and_the_resume_ends_bitwise_equal_to_an_uninterrupted_run()
    {
        string fashion = Path.Combine(RepoPaths.Root, "configs", "lenet5-to-lenet6.yaml");
        string[] sets = ["--set", "data.path=../examples/LeNet5to6/data", "--set", "finetune.epochs=4", "--set", "finetune.batch_size=8"];
        string whole = Path.Combine(_out, "whole");
        var first = CliProcess.Run(["run", fashion, "--out", whole, .. sets]);
        Assert.True(first.Code == 0, first.Err);

        string stopped = Path.Combine(_out, "stopped");
        (int code, _, string stderr) = await CliStops.StopAt("INT", epoch: 2, batch: 3, null, ["run", fashion, "--out", stopped, .. sets]);

        Assert.Equal(130, code);
        string[] lines = stderr.TrimEnd('\n').Split('\n');
        string expected = $"SIGINT: stopped after a batch and saved a checkpoint; resume with: transfer run {fashion} --out {stopped} {string.Join(' ', sets)} --resume";
        Assert.Equal(expected, lines[^1]);
        Assert.DoesNotContain(lines, l => l.Contains("   at ", StringComparison.Ordinal));
        string[] checkpoints = Directory.GetDirectories(Path.Combine(stopped, "checkpoints")).Select(d => Path.GetFileName(d)!).ToArray();
        Assert.Single(checkpoints);
        Assert.Equal("epoch-0002-at-24", checkpoints[0]); // after the third batch of 8
        Assert.False(File.Exists(Path.Combine(stopped, "final.safetensors")));

        string[] resume = expected[(expected.IndexOf("transfer run ", StringComparison.Ordinal) + "transfer ".Length)..].Split(' ');
        var resumed = CliProcess.Run(resume);
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "final.safetensors")), File.ReadAllBytes(Path.Combine(stopped, "final.safetensors")));
        Assert.Equal(
            MetricsRows.WithoutSeconds(whole),
            MetricsRows.WithoutSeconds(stopped));
    }

    [Fact]
    public async Task Sigterm_stops_after_a_batch_with_a_checkpoint_and_exit_code_143()
    {
        string stopped = Path.Combine(_out, "term");
        string checkpoints = Path.Combine(stopped, "checkpoints");
        (int code, string output, string err) = await CliStops.StopAt(
            "TERM", epoch: 2, batch: 2, null, "run", Config, "--out", stopped, "--set", "finetune.epochs=3", "--set", "finetune.unfreeze=[]");
        string[] lines = err.TrimEnd('\n').Split('\n');
        Assert.Equal(string.Empty, output);
        Assert.Equal(143, code);
        Assert.StartsWith("SIGTERM: stopped after a batch and saved a checkpoint; resume with: transfer run ", lines[^1]);
        Assert.Equal("epoch-0002-at-32", Path.GetFileName(Assert.Single(Directory.GetDirectories(checkpoints)))); // after the second batch of 16
    }

    [Fact]
    public async Task Sigint_after_the_last_training_batch_lets_the_run_finish_and_says_so()
    {
        string stopped = Path.Combine(_out, "late");
        (int code, string output, string err) = await CliStops.StopAt(
            "INT", epoch: 2, batch: 5, null, "run", Config, "--out", stopped, "--set", "finetune.epochs=2", "--set", "finetune.unfreeze=[]");

        Assert.True(code == 0, err);
        Assert.Equal("SIGINT: arrived when no training batch was left to stop before, so the run finished; its outputs are complete", err.TrimEnd('\n').Split('\n')[^1]);
        Assert.EndsWith($"outputs: {stopped}\n", output);
        Assert.True(File.Exists(Path.Combine(stopped, "final.safetensors")));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(stopped, "metrics.csv")).Length);
    }

    [Fact]
    public void Redirected_output_has_results_on_stdout_logs_on_stderr_and_no_escape_codes_and_quiet_logs_nothing()
    {
        string out1 = Path.Combine(_out, "loud");
        var loud = CliProcess.Run("run", Config, "--out", out1, "--set", "finetune.epochs=2", "--set", "finetune.unfreeze=[]");
        Assert.True(loud.Code == 0, loud.Err);
        (int epoch, string valLoss, string valAcc) = File.ReadAllLines(Path.Combine(out1, "metrics.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Select(f => (Epoch: int.Parse(f[0], CultureInfo.InvariantCulture), Loss: double.Parse(f[3], CultureInfo.InvariantCulture), Acc: double.Parse(f[4], CultureInfo.InvariantCulture)))
            .OrderBy(m => m.Loss).ThenBy(m => m.Epoch)
            .Select(m => (m.Epoch, m.Loss.ToString("F4", CultureInfo.InvariantCulture), m.Acc.ToString("F4", CultureInfo.InvariantCulture)))
            .First();
        Assert.Equal(
            $"best: epoch {epoch} of 2 by val_loss {valLoss} (lowest; val_loss {valLoss}, val_acc {valAcc})\noutputs: {out1}\n",
            loud.Out);
        Assert.Contains("info: transfer.run[0] Training on cpu with 1 intra-op thread(s)", loud.Err);
        Assert.DoesNotContain('\u001b', loud.Out + loud.Err);

        string out2 = Path.Combine(_out, "quiet");
        var quiet = CliProcess.Run("run", Config, "--out", out2, "--set", "finetune.epochs=2", "--set", "finetune.unfreeze=[]", "--quiet");
        Assert.True(quiet.Code == 0, quiet.Err);
        Assert.Equal(string.Empty, quiet.Err);
        Assert.Equal(loud.Out.Replace(out1, out2, StringComparison.Ordinal), quiet.Out);
    }

    [Fact]
    public void A_malformed_test_hold_is_one_line_with_exit_code_two_and_writes_nothing()
    {
        string outDir = Path.Combine(_out, "hold");
        var result = CliProcess.RunIn(null, new Dictionary<string, string> { ["TRANSFER_TEST_HOLD"] = "2:0:marker" }, "run", Config, "--out", outDir);
        Assert.Equal((2, string.Empty), (result.Code, result.Out));
        Assert.Equal("error: TRANSFER_TEST_HOLD must be <epoch>:<batch>:<marker file>, both counted from 1\n", result.Err);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void A_config_error_is_one_line_on_stderr_with_exit_code_two()
    {
        var result = CliProcess.Run("run", Config, "--out", _out, "--set", "finetune.epoch=3");
        Assert.Equal(2, result.Code);
        Assert.Equal(
            "error: --set finetune.epoch=3: unknown key 'epoch' in 'finetune'; did you mean 'epochs'? (valid keys: device, epochs, batch_size, optimizer, scheduler, freeze, frozen_bn, param_groups, unfreeze, early_stopping, checkpoint, threads, grad_clip, accumulate, label_smoothing, loss, ema, precision)",
            result.Err.Trim());
    }
}
