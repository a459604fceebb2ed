using System.Diagnostics;

namespace Transfer.Tests.Cli;

/// <summary>Runs the real <c>transfer</c> command (Transfer.Cli.dll in the test output folder) as a child process.</summary>
internal static class CliProcess
{
    /// <summary>Starts the command with redirected output; the caller reads and waits.</summary>
    public static Process Start(params string[] args) => StartIn(null, args);

    /// <summary>Starts the command in <paramref name="folder"/> (relative paths on its command line resolve there); null: the test's.</summary>
    public static Process StartIn(string? folder, params string[] args) => StartIn(folder, new Dictionary<string, string>(), args);

    /// <summary>Starts the command in <paramref name="folder"/> with <paramref name="environment"/> added to the test's environment (the child's only).</summary>
    public static Process StartIn(string? folder, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        ProcessStartInfo start = new("dotnet", [Path.Combine(AppContext.BaseDirectory, "Transfer.Cli.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder ?? string.Empty,
        };
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>Runs the command to its end: exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args) => RunIn(null, args);

    /// <summary>Runs the command in <paramref name="folder"/> to its end: exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) RunIn(string? folder, params string[] args) => RunIn(folder, new Dictionary<string, string>(), args);

    /// <summary>Runs the command in <paramref name="folder"/>, with <paramref name="environment"/> added, to its end: exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) RunIn(string? folder, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using Process p = StartIn(folder, environment, args);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }
}
