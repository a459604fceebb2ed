using System.Diagnostics;
using Transfer.Tests.Cli;

namespace Transfer.Tests.FineTuning;

/// <summary>
/// The CLI end to end, as a child process (the test output folder holds Transfer.Cli.dll): a run killed
/// with SIGKILL mid-training and resumed ends bitwise equal to an uninterrupted one.
/// </summary>
public sealed class RunCommandTests : IDisposable
{
    private static readonly string Config = Path.Combine(RepoPaths.Root, "configs", "imagefolder-example.yaml");
    private readonly string _out = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_out, true);

    [Fact]
    public void A_run_killed_with_sigkill_and_resumed_ends_bitwise_equal_to_an_uninterrupted_run()
    {
        string whole = Path.Combine(_out, "whole");
        var first = CliProcess.Run("run", Config, "--out", whole, "--set", "finetune.epochs=12");
        Assert.True(first.Code == 0, first.Err);

        string killed = Path.Combine(_out, "killed");
        using (Process p = CliProcess.Start("run", Config, "--out", killed, "--set", "finetune.epochs=12"))
        {
            string checkpoint = Path.Combine(killed, "checkpoints", "epoch-0001");
            Stopwatch waited = Stopwatch.StartNew();
            while (!Directory.Exists(checkpoint) && !p.HasExited && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(5);
            }

            Assert.False(p.HasExited, "the run ended before it could be killed");
            p.Kill(entireProcessTree: true); // SIGKILL on Linux
            p.WaitForExit();
        }

        Assert.False(File.Exists(Path.Combine(killed, "final.safetensors")));
        var resumed = CliProcess.Run("run", Config, "--out", killed, "--set", "finetune.epochs=12", "--resume");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "final.safetensors")), File.ReadAllBytes(Path.Combine(killed, "final.safetensors")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "transferred.safetensors")), File.ReadAllBytes(Path.Combine(killed, "transferred.safetensors")));
    }

    [Fact]
    public void A_config_error_is_one_line_on_stderr_with_exit_code_two()
    {
        var result = CliProcess.Run("run", Config, "--out", _out, "--set", "finetune.epoch=3");
        Assert.Equal(2, result.Code);
        Assert.Equal(
            "error: --set finetune.epoch=3: unknown key 'epoch' in 'finetune'; did you mean 'epochs'? (valid keys: device, epochs, batch_size, optimizer, scheduler, freeze, frozen_bn, param_groups, unfreeze, early_stopping, checkpoint, threads)",
            result.Err.Trim());
    }
}
