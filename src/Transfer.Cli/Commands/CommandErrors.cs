using System.Runtime.InteropServices;
using System.Text;
using Transfer.Rules.Errors;
using YamlDotNet.Core;

namespace Transfer.Cli.Commands;

/// <summary>
/// Runs a verb and turns failures into the CLI's contract: exit 0 on success, 1 when a plan fails its
/// rules, 2 for bad usage or bad files; every error is exactly one line on stderr (control characters
/// escaped, length bounded), never a stack trace — whatever threw it.
/// </summary>
internal static class CommandErrors
{
    public const int Ok = 0;
    public const int PlanFailed = 1;
    public const int BadInput = 2;

    public static int Run(Func<int> verb, TextWriter? stderr = null)
    {
        stderr ??= Console.Error;
        try
        {
            return verb();
        }
        catch (Exception e)
        {
            (int code, string message) = Describe(e);
            stderr.WriteLine($"error: {message}");
            return code;
        }
    }

    /// <summary>The exit code and the one-line message for a failure.</summary>
    internal static (int Code, string Message) Describe(Exception e) => e switch
    {
        TransferPlanException or Transfer.Export.OnnxVerificationException => (PlanFailed, MessageText.OneLine(e.Message)),
        TransferException => (BadInput, MessageText.OneLine(e.Message)),
        FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException => (BadInput, MessageText.OneLine(e.Message)),
        YamlException y => (BadInput, MessageText.OneLine($"invalid YAML at line {y.Start.Line}, column {y.Start.Column}: {FirstLine(y.Message)}")),
        OperationCanceledException => (BadInput, "cancelled before the command finished; nothing was left half-written"),
        OutOfMemoryException or InsufficientMemoryException => (BadInput, MessageText.OneLine($"out of memory: {FirstLine(e.Message)}")),
        ExternalException => (BadInput, MessageText.OneLine($"TorchSharp: {FirstLine(e.Message)}")),
        ArgumentException or InvalidOperationException or InvalidDataException or FormatException or NotSupportedException or OverflowException
            => (BadInput, MessageText.OneLine(FirstLine(e.Message))),
        _ => (BadInput, MessageText.OneLine($"unexpected {e.GetType().Name}: {FirstLine(e.Message)}")),
    };

    /// <summary>The first non-empty line of a foreign message (native ones carry C++ backtraces below it).</summary>
    private static string FirstLine(string message) =>
        message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "(no message)";
}
