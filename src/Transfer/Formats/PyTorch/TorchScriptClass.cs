namespace Transfer.Formats.PyTorch;

/// <summary>
/// What a TorchScript archive's <c>code/</c> declares about one class: whether it is a module
/// (<c>class Name(Module):</c>) and which of its attributes are parameters and buffers
/// (<c>__parameters__ = ["weight", "bias", ]</c>, <c>__buffers__ = [...]</c>), the lists
/// <c>scripted.state_dict()</c> is made from.
/// </summary>
internal sealed record TorchScriptClass(bool IsModule, IReadOnlySet<string> Parameters, IReadOnlySet<string> Buffers);
