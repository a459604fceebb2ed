using Transfer.Rules.Errors;

namespace Transfer.Cli.Commands;

/// <summary>
/// Runs a verb and turns failures into the CLI's contract: exit 0 on success, 1 when a plan fails its
/// rules, 2 for bad usage or bad files; errors are one line on stderr (control characters escaped, length
/// bounded), never a stack trace.
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
        catch (TransferPlanException e)
        {
            stderr.WriteLine($"error: {MessageText.OneLine(e.Message)}");
            return PlanFailed;
        }
        catch (TransferException e)
        {
            stderr.WriteLine($"error: {MessageText.OneLine(e.Message)}");
            return BadInput;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            stderr.WriteLine($"error: {MessageText.OneLine(e.Message)}");
            return BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {MessageText.OneLine(e.Message)}");
            return BadInput;
        }
    }
}
