using System.Diagnostics;
using Transfer.Data;
using Transfer.Data.Idx;
using Transfer.Data.Images;
using Transfer.FineTuning.Config;
using Transfer.Formats;
using Transfer.Rules.Errors;
using Transfer.Tests.Formats;

namespace Transfer.Tests.Cli;

/// <summary>
/// A named pipe, a device or a socket given where a file is expected is refused at once with one line (exit
/// 2) instead of waiting forever for a writer; a symlink to a regular file still reads. Every test that could
/// block is bounded: the reader is released (the pipe opened for writing) or the process killed.
/// </summary>
public sealed class NonRegularInputTests
{
    private const string Fifo = "is a named pipe (FIFO), not a regular file; Transfer reads only regular files";

    private static string MakeFifo()
    {
        string path = Path.Combine(Fixture.TempFolder(), "pipe.pt");
        using Process mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    /// <summary>Runs <paramref name="action"/>, failing (and unblocking it by opening the pipe for writing) if it waits.</summary>
    private static void Bounded(string fifo, Action action)
    {
        Task task = Task.Run(action);
        if (!task.Wait(TimeSpan.FromSeconds(30)))
        {
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
            }

            Assert.Fail("the read blocked on the named pipe");
        }
    }

    private static (int Code, string Err) RunCli(params string[] args)
    {
        using Process p = CliProcess.Start(args);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"transfer {string.Join(' ', args)} blocked");
        }

        return (p.ExitCode, stderr.Result);
    }

    [Fact]
    public void Opening_a_named_pipe_as_a_checkpoint_is_refused_without_waiting_for_a_writer()
    {
        string fifo = MakeFifo();
        Bounded(fifo, () =>
        {
            CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(fifo).Dispose());
            Assert.Equal($"{fifo}: {Fifo}", e.Message);
        });
    }

    [Fact]
    public void A_symlink_to_a_named_pipe_is_refused_and_a_symlink_to_a_checkpoint_reads()
    {
        string fifo = MakeFifo();
        string toFifo = Path.Combine(Path.GetDirectoryName(fifo)!, "link-to-pipe.pt");
        string toFile = Path.Combine(Path.GetDirectoryName(fifo)!, "link-to-views.pt");
        File.CreateSymbolicLink(toFifo, fifo);
        File.CreateSymbolicLink(toFile, Fixture.Path_("views.pt"));
        Bounded(fifo, () =>
            Assert.Equal($"{toFifo}: {Fifo}", Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(toFifo).Dispose()).Message));
        using Checkpoint checkpoint = CheckpointReader.Open(toFile);
        Assert.Equal(Fixture.Expected("views.pt").Select(e => e.Name), checkpoint.Specs.Select(s => s.Name));
    }

    [Fact]
    public void A_character_device_is_refused_as_a_checkpoint()
    {
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open("/dev/zero").Dispose());
        Assert.Equal("/dev/zero: is a character device, not a regular file; Transfer reads only regular files", e.Message);
    }

    [Fact]
    public void A_named_pipe_as_run_config_is_refused()
    {
        string fifo = MakeFifo();
        Bounded(fifo, () =>
            Assert.Equal($"{fifo}: {Fifo}", Assert.Throws<RuleConfigException>(() => RunConfigReader.Load(fifo)).Message));
    }

    [Fact]
    public void Named_pipes_as_idx_data_or_as_an_image_are_refused()
    {
        string fifo = MakeFifo();
        Bounded(fifo, () =>
        {
            Assert.Equal($"{fifo}: {Fifo}", Assert.Throws<DataFormatException>(() => IdxDataset.Load(fifo, fifo).Dispose()).Message);
            Assert.Equal($"{fifo}: {Fifo}", Assert.Throws<DataFormatException>(() => NetpbmImage.Read(fifo)).Message);
        });
    }

    [Fact]
    public void Inspect_of_a_named_pipe_exits_2_with_one_line()
    {
        string fifo = MakeFifo();
        (int code, string err) = RunCli("inspect", fifo);
        Assert.Equal(2, code);
        Assert.Equal($"error: {fifo}: {Fifo}\n", err);
    }

    [Fact]
    public void Plan_with_a_named_pipe_as_rule_file_exits_2_with_one_line()
    {
        string fifo = MakeFifo();
        (int code, string err) = RunCli("plan", "--source", Fixture.Path_("lenet5.dat"), "--target", "LeNet6", "--rules", fifo);
        Assert.Equal(2, code);
        Assert.Equal($"error: {fifo}: {Fifo}\n", err);
    }
}
