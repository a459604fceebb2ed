using System.Globalization;
using Transfer.FineTuning;

namespace Transfer.Cli.Commands;

/// <summary>
/// A hook for tests that stop a run with a signal: with <c>TRANSFER_TEST_HOLD=&lt;epoch&gt;:&lt;batch&gt;:&lt;marker file&gt;</c>
/// in the environment, <c>transfer run</c> finishes that batch of that epoch, creates the (empty) marker file and
/// waits there until SIGINT or SIGTERM arrives (at most ten minutes), so a test's signal — or SIGKILL — lands at one
/// known batch instead of wherever a run happens to be when a poll sees its checkpoint (on a fast machine a short run
/// can end first). The run then behaves exactly as if the signal had come during that batch. Unset, nothing changes;
/// it is not a user setting.
/// </summary>
internal sealed class RunTestHold(int epoch, int batch, string marker, CancellationToken stop) : IProgress<FineTuneProgress>
{
    /// <summary>The environment variable naming the hold.</summary>
    public const string Variable = "TRANSFER_TEST_HOLD";

    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(10);

    private bool _held;

    /// <summary>The hold the environment asks for, or null when it asks for none.</summary>
    /// <exception cref="ArgumentException">The variable is set but is not <c>epoch:batch:marker</c>.</exception>
    public static RunTestHold? FromEnvironment(CancellationToken stop)
    {
        string? value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        string[] parts = value.Split(':', 3);
        if (parts.Length != 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch) || epoch < 1
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int batch) || batch < 1
            || parts[2].Length == 0)
        {
            throw new ArgumentException($"{Variable} must be <epoch>:<batch>:<marker file>, both counted from 1");
        }

        return new RunTestHold(epoch, batch, parts[2], stop);
    }

    public void Report(FineTuneProgress value)
    {
        if (_held || value.Completed is not null || value.Epoch != epoch || value.Batch != batch)
        {
            return;
        }

        _held = true;
        File.WriteAllBytes(marker, []);
        stop.WaitHandle.WaitOne(Longest);
    }
}
