using System.Runtime.InteropServices;

namespace Transfer.Cli.Commands;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM for <c>transfer run</c>: the first one cancels the token, so training finishes
/// its batch, checkpoints and stops; a second one is left to the default handler, which ends the process at
/// once. The exit code follows the shell convention 128 + signal number (130, 143).
/// </summary>
internal sealed class RunStopSignals : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signal;

    private RunStopSignals()
    {
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The signal that stopped the run (<c>SIGINT</c>, <c>SIGTERM</c>), or null.</summary>
    public string? Name => _signal switch
    {
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => null,
    };

    /// <summary>130 after SIGINT, 143 after SIGTERM, 130 otherwise.</summary>
    public int ExitCode => 128 + (_signal == 0 ? 2 : _signal);

    /// <summary>Starts listening until disposed.</summary>
    public static RunStopSignals Listen()
    {
        RunStopSignals signals = new();
        signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, c => signals.Handle(c, 2)));
        signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => signals.Handle(c, 15)));
        return signals;
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        _cancel.Dispose();
    }

    private void Handle(PosixSignalContext context, int number)
    {
        if (Interlocked.CompareExchange(ref _signal, number, 0) == 0)
        {
            context.Cancel = true;
            _cancel.Cancel();
        }
    }
}
