using System.Diagnostics;
using System.Globalization;

namespace Transfer.Tests.Cli;

/// <summary>
/// Stops a running <c>transfer</c> command the ways a user or the system does (SIGKILL, SIGINT, SIGTERM), once it
/// has something to resume from; polled every 2 ms, so the stop lands as early as the condition allows.
/// </summary>
internal static class CliStops
{
    /// <summary>Whether a committed checkpoint exists under <paramref name="outDir"/> (epochs can take milliseconds, and each replaces the last).</summary>
    public static bool AnyCheckpoint(string outDir)
    {
        string folder = Path.Combine(outDir, "checkpoints");
        return Directory.Exists(folder) && Directory.EnumerateDirectories(folder, "epoch-*").Any();
    }

    /// <summary>Starts the command and kills it (SIGKILL on Linux) once <paramref name="ready"/> holds; fails if it ended first.</summary>
    public static void KillWhen(Func<bool> ready, params string[] args)
    {
        using Process p = CliProcess.Start(args);
        Task<string> err = p.StandardError.ReadToEndAsync();
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        WaitFor(p, ready, TimeSpan.FromSeconds(120));
        if (p.HasExited)
        {
            Assert.Fail($"the run ended before it could be killed: {err.Result}");
        }

        p.Kill(entireProcessTree: true);
        p.WaitForExit();
        _ = output.Result;
    }

    /// <summary>
    /// Starts the command, sends it <paramref name="signal"/> (<c>INT</c> or <c>TERM</c>) once <paramref name="ready"/>
    /// holds (waiting up to <paramref name="wait"/>), and waits up to two minutes for it to stop; fails if it ended first.
    /// </summary>
    /// <returns>Its exit code, stdout and stderr.</returns>
    public static async Task<(int Code, string Out, string Err)> SignalWhen(string signal, Func<bool> ready, TimeSpan wait, params string[] args)
    {
        using Process p = CliProcess.Start(args);
        Task<string> err = p.StandardError.ReadToEndAsync();
        Task<string> output = p.StandardOutput.ReadToEndAsync();
        WaitFor(p, ready, wait);
        if (p.HasExited)
        {
            Assert.Fail($"the run ended before it could be sent SIG{signal}: {await err}");
        }

        using (Process kill = Process.Start("kill", [$"-{signal}", p.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(120)), $"the run did not stop after SIG{signal}");
        return (p.ExitCode, await output, await err);
    }

    private static void WaitFor(Process p, Func<bool> ready, TimeSpan wait)
    {
        Stopwatch waited = Stopwatch.StartNew();
        while (!ready() && !p.HasExited && waited.Elapsed < wait)
        {
            Thread.Sleep(2);
        }
    }
}
