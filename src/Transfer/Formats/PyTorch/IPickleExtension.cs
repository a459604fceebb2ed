namespace Transfer.Formats.PyTorch;

/// <summary>
/// What a caller lets the <see cref="Unpickler"/> rebuild beyond a state dict (NumPy arrays in a bare pickle):
/// its own allowlist of globals, the REDUCE calls and BUILDs on them, and pickle protocols up to
/// <see cref="MaxProtocol"/> with their opcodes. Like the unpickler, an extension only records values; it never
/// imports or calls anything.
/// </summary>
internal interface IPickleExtension
{
    /// <summary>The highest pickle protocol accepted (protocols from 2 up to it are read).</summary>
    int MaxProtocol { get; }

    /// <summary>What a refused global's message says is allowed instead, e.g. "only the globals that rebuild NumPy arrays are".</summary>
    string AllowedGlobalsPhrase { get; }

    /// <summary>True for every global (<c>module.name</c>) the pickle may name; all others are refused.</summary>
    bool AllowsGlobal(string fullName);

    /// <summary>The value of a REDUCE of <paramref name="callable"/> on <paramref name="args"/>, or null when these are not arguments it rebuilds from.</summary>
    object? Reduce(PickleGlobal callable, object?[] args, long at);

    /// <summary>Applies a BUILD to one of its values and returns true, or returns false when <paramref name="target"/> is not one.</summary>
    bool Build(object target, object state, long at);
}
