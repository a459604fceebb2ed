namespace Transfer.Formats.PyTorch;

/// <summary>A Python <c>set</c> (<c>set([...])</c> in a protocol-2 pickle), such as a module's <c>_non_persistent_buffers_set</c>.</summary>
internal sealed record PickleSet(IReadOnlyList<object> Items);
