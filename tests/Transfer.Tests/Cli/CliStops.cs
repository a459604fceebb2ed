using System.Diagnostics;
using System.Globalization;

namespace Transfer.Tests.Cli;

/// <summary>
/// Stops a running <c>transfer run</c> the ways a user or the system does (SIGKILL, SIGINT, SIGTERM) at one known
/// batch: the child runs with <c>TRANSFER_TEST_HOLD</c>, so it finishes that batch, creates a marker file and waits
/// for the signal there. Where the stop lands never depends on how fast the machine is (polling for a checkpoint
/// and then signalling raced the end of a short run on a fast machine).
/// </summary>
internal static class CliStops
{
    /// <summary>
    /// Starts <c>transfer</c> with <paramref name="args"/> in <paramref name="folder"/> (null: the test's), holds it
    /// after batch <paramref name="batch"/> of epoch <paramref name="epoch"/> (both from 1), sends it
    /// <paramref name="signal"/> (<c>INT</c>, <c>TERM</c> or <c>KILL</c>) and waits up to two minutes for it to stop;
    /// fails if it ended before reaching the batch.
    /// </summary>
    /// <returns>Its exit code, stdout and stderr.</returns>
    public static async Task<(int Code, string Out, string Err)> StopAt(string signal, int epoch, int batch, string? folder, params string[] args)
    {
        string marker = Path.Combine(TestFolders.New("hold"), "held");
        Dictionary<string, string> environment = new()
        {
            ["TRANSFER_TEST_HOLD"] = string.Create(CultureInfo.InvariantCulture, $"{epoch}:{batch}:{marker}"),
        };
        using Process p = CliProcess.StartIn(folder, environment, args);
        Task<string> err = p.StandardError.ReadToEndAsync();
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        Stopwatch waited = Stopwatch.StartNew();
        while (!File.Exists(marker) && !p.HasExited && waited.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(5);
        }

        if (!File.Exists(marker))
        {
            bool ended = p.HasExited;
            p.Kill(entireProcessTree: true);
            Assert.Fail($"the run did not reach batch {batch} of epoch {epoch} ({(ended ? "it ended" : "timed out")}): {await err}");
        }

        if (signal == "KILL")
        {
            p.Kill(entireProcessTree: true);
        }
        else
        {
            using Process kill = Process.Start("kill", [$"-{signal}", p.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            Assert.Equal(0, kill.ExitCode);
        }

        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(120)), $"the run did not stop after SIG{signal}");
        return (p.ExitCode, await output, await err);
    }
}
