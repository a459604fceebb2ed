namespace Transfer.Formats.PyTorch;

/// <summary>
/// The unpickler's operand stack and its MARKs. Values below the latest MARK cannot be popped or peeked
/// (that is an underflow, as in Python), and values plus marks never exceed <see cref="MaxDepth"/>, so
/// hostile nesting fails fast instead of growing memory.
/// </summary>
internal sealed class PickleStack(PicklePart part)
{
    public const int MaxDepth = 10_000;

    private readonly List<object> stack = [];
    private readonly List<int> marks = [];

    /// <summary>
    /// The one value a STOP at <paramref name="at"/> returns: the stack must hold exactly one value and no MARK.
    /// </summary>
    public object Result(long at) =>
        stack.Count != 1 || marks.Count != 0 ? throw part.Error($"STOP at offset {at} leaves {stack.Count} values on the stack") : stack[0];

    public void Mark(long at)
    {
        marks.Add(stack.Count);
        CheckDepth(at);
    }

    public void Push(object value, long at)
    {
        stack.Add(value);
        CheckDepth(at);
    }

    public object Pop(long at)
    {
        int floor = marks.Count > 0 ? marks[^1] : 0;
        if (stack.Count <= floor)
        {
            throw part.Error($"stack underflow at offset {at}");
        }

        object value = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    public object Peek(long at)
    {
        int floor = marks.Count > 0 ? marks[^1] : 0;
        return stack.Count <= floor ? throw part.Error($"stack underflow at offset {at}") : stack[^1];
    }

    /// <summary>Removes the latest MARK and returns the values pushed since, oldest first.</summary>
    public object[] PopMark(long at)
    {
        if (marks.Count == 0)
        {
            throw part.Error($"opcode at offset {at} needs a MARK but there is none");
        }

        int mark = marks[^1];
        marks.RemoveAt(marks.Count - 1);
        object[] items = new object[stack.Count - mark];
        stack.CopyTo(mark, items, 0, items.Length);
        stack.RemoveRange(mark, items.Length);
        return items;
    }

    private void CheckDepth(long at)
    {
        if (stack.Count + marks.Count > MaxDepth)
        {
            throw part.Error($"stack exceeds {MaxDepth} entries at offset {at} (hostile nesting)");
        }
    }
}
