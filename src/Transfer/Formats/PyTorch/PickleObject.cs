namespace Transfer.Formats.PyTorch;

/// <summary>
/// An inert stand-in for an instance of a class the unpickler does not know (a model's own class,
/// <c>torch.nn.Linear</c>, a TorchScript <c>__torch__</c> class). It records the class's full name, the
/// state BUILD gave it and the items SETITEM(S) or APPEND(S) added, as pickle would hand them to the real
/// object; nothing of the class is imported, and no <c>__new__</c>, <c>__init__</c> or <c>__setstate__</c> runs.
/// </summary>
internal sealed class PickleObject(PickleGlobal type)
{
    private PickleDict? attributes;
    private PickleDict? slots;
    private PickleDict? entries;
    private List<object>? items;

    /// <summary>The class the pickle named, by name only.</summary>
    public PickleGlobal Class { get; } = type;

    /// <summary>The instance <c>__dict__</c> BUILD gave it (a later BUILD updates it, as Python's does).</summary>
    public PickleDict Attributes => attributes ??= new();

    /// <summary>The slot values of a <c>(dict, slots)</c> BUILD state.</summary>
    public PickleDict Slots => slots ??= new();

    /// <summary>What SETITEM(S) added: the stand-in of a dict subclass.</summary>
    public PickleDict Entries => entries ??= new();

    /// <summary>What APPEND(S) added: the stand-in of a list subclass.</summary>
    public List<object> Items => items ??= [];

    /// <summary>
    /// A BUILD state that is neither a dict nor a <c>(dict, slots)</c> pair: only the class's own
    /// <c>__setstate__</c> would know what it means, so it is kept as it is and never interpreted.
    /// </summary>
    public object? OpaqueState { get; private set; }

    /// <summary>Stores a BUILD state the way pickle's default <c>__setstate__</c> would, without calling anything.</summary>
    public void Build(object state)
    {
        if (state is PickleDict dict)
        {
            Merge(Attributes, dict);
        }
        else if (state is PickleTuple { Items: [var first, var second] } && first is PickleDict or PickleNone && second is PickleDict or PickleNone)
        {
            if (first is PickleDict d)
            {
                Merge(Attributes, d);
            }

            if (second is PickleDict s)
            {
                Merge(Slots, s);
            }
        }
        else
        {
            OpaqueState = state;
        }
    }

    /// <summary>An attribute from the instance dict or the slots, or null when it has none.</summary>
    public object? Attribute(string name) =>
        attributes is not null && attributes.TryGet(name, out object? value) ? value
        : slots is not null && slots.TryGet(name, out value) ? value
        : null;

    private static void Merge(PickleDict into, PickleDict from)
    {
        foreach (var (key, value) in from.Items)
        {
            into.Set(key, value);
        }
    }
}
