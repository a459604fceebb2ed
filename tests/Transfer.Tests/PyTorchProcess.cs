using System.Diagnostics;

namespace Transfer.Tests;

/// <summary>Runs a script in Debian's PyTorch (/usr/bin/python3) for tests that compare with PyTorch's own results.</summary>
internal static class PyTorchProcess
{
    private const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> Importable = new(() =>
    {
        if (!File.Exists(Python))
        {
            return false;
        }

        try
        {
            Run("import torch", "");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    });

    /// <summary>True where /usr/bin/python3 can import torch; tests skip otherwise.</summary>
    public static bool Available => Importable.Value;

    /// <summary>
    /// Runs <paramref name="script"/> with one argument, in <paramref name="folder"/> when given, and returns its
    /// stdout; throws with its stderr on failure.
    /// </summary>
    public static string Run(string script, string argument, string? folder = null)
    {
        ProcessStartInfo start = new(Python) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder ?? string.Empty };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"python failed ({process.ExitCode}): {stderr}");
        }

        return stdout.Result;
    }
}
