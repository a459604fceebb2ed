using System.Diagnostics;

/// <summary>Runs a helper program (PyTorch scripts, sync, this bench's own side) for the benches.</summary>
internal static class BenchProcess
{
    /// <summary>Runs <paramref name="file"/> to its end and returns its trimmed stdout; throws when it exits non-zero.</summary>
    public static string Run(string file, string[] arguments)
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
}
