using System.Buffers.Binary;
using System.Text;

namespace Transfer.Formats.PyTorch;

/// <summary>
/// An allowlist-only pickle reader for <c>data.pkl</c> and the pickles of legacy files: the opcode loop. It knows the
/// protocol-2 opcodes a state dict uses and the handful of globals that rebuild one
/// (<see cref="StateDictReconstruction"/>); every other opcode is refused before it has any effect, naming what
/// was refused. Any other class a pickle names (a whole-model save's modules, a TorchScript archive's
/// <c>__torch__</c> classes) becomes an inert stand-in as <see cref="StandIns"/> rules, and calling one is refused.
/// Nothing is imported or called: globals are names, REDUCE builds plain records. A bare pickle (NumPy arrays)
/// gets an <see cref="IPickleExtension"/>'s globals instead, and protocols 3 to 5 (<see cref="ExtendedOpcodes"/>).
/// The pickle is read from its file through a small window (<see cref="PickleInput"/>), never whole. Work is
/// bounded by size: at most <see cref="BaseOpcodes"/> + one opcode per <see cref="BytesPerOpcode"/> bytes and
/// <see cref="PickleMemo.BaseEntries"/> + one memo entry per <see cref="PickleMemo.BytesPerEntry"/> bytes
/// (torch.save spends about 3 and 11 bytes), and a stack depth of <see cref="PickleStack.MaxDepth"/>, so a big
/// state dict reads while a pickle that does more than its size justifies fails fast. No string is longer than
/// <see cref="MaxString"/>.
/// </summary>
internal sealed class Unpickler
{
    public const int BaseOpcodes = 10_000;
    public const int BytesPerOpcode = 2;

    /// <summary>The longest string read (64 MiB): state dicts hold names and small metadata, never more.</summary>
    public const int MaxString = 64 << 20;

    /// <summary>The longest string of a bare pickle read into memory (64 KiB); longer ones stay in the file (<see cref="PickleText"/>).</summary>
    public const int LongText = 1 << 16;

    /// <summary>Integers 0-1023 boxed once: sizes, strides and offsets repeat them for every tensor.</summary>
    private static readonly object[] SmallIntegers = [.. Enumerable.Range(0, 1024).Select(i => (object)(long)i)];

    /// <summary>One empty tuple for every EMPTY_TUPLE: tuples are never changed, and each tensor's hooks call OrderedDict() with one.</summary>
    private static readonly PickleTuple EmptyTuple = new([]);

    /// <summary>The one-item tuples of <see cref="SmallIntegers"/>: tuples are never changed, so they are shared too.</summary>
    private static readonly PickleTuple[] SmallTuples = [.. SmallIntegers.Select(i => new PickleTuple([i]))];

    private static readonly object True = true;
    private static readonly object False = false;

    private readonly PicklePart part;
    private readonly PickleInput input;
    private readonly PickleArguments arguments;
    private readonly bool legacy;
    private readonly PickleStack stack;
    private readonly PickleMemo memo;
    private readonly StateDictReconstruction stateDict;
    private readonly long size;
    private readonly long maxOpcodes;
    private readonly ISet<string>? classes;
    private readonly IPickleExtension? extension;
    private readonly ExtendedOpcodes? extended;

    private Unpickler(string path, PickleInput input, string part, bool legacy, Dictionary<string, StorageRef> storages,
        ISet<string>? classes = null, IPickleExtension? extension = null)
    {
        this.part = new(path, part);
        this.input = input;
        this.legacy = legacy;
        this.classes = classes;
        this.extension = extension;
        // A legacy pickle's length is known only at its STOP: it is measured by the bytes left in the file.
        size = input.Remaining;
        maxOpcodes = BaseOpcodes + (size / BytesPerOpcode);
        arguments = new(this.part, input);
        stack = new(this.part);
        memo = new(this.part, size);
        stateDict = new(this.part, legacy, storages);
        extended = extension is null ? null : new(this.part, arguments, stack, memo);
    }

    /// <summary>
    /// Reads one pickle that must fill <paramref name="input"/> exactly (a zip's <c>data.pkl</c>);
    /// <paramref name="classes"/>, when given, gains the name of every class it makes a stand-in instance of.
    /// </summary>
    public static object Load(string path, PickleInput input, ISet<string>? classes = null) =>
        new Unpickler(path, input, "data.pkl", legacy: false, new(StringComparer.Ordinal), classes).Run();

    /// <summary>
    /// Reads one of the pickles a legacy (pre-1.6) <c>torch.save</c> file holds back to back, starting at
    /// <paramref name="input"/>'s position, which it moves past the pickle's STOP. Persistent ids there carry a sixth
    /// item, the view metadata, which must be None. <paramref name="storages"/> holds the storages named so
    /// far, by key, and gains the ones this pickle names first.
    /// </summary>
    public static object LoadLegacyPart(string path, PickleInput input, string part, Dictionary<string, StorageRef> storages, ISet<string>? classes = null) =>
        new Unpickler(path, input, part, legacy: true, storages, classes).Run();

    /// <summary>
    /// Reads a bare pickle filling <paramref name="input"/> exactly, with <paramref name="extension"/>'s globals
    /// instead of the state-dict ones, its protocols and their opcodes (see <see cref="ExtendedOpcodes"/>).
    /// </summary>
    public static object LoadBare(string path, PickleInput input, IPickleExtension extension) =>
        new Unpickler(path, input, "pickle", legacy: false, new(StringComparer.Ordinal), extension: extension).Run();

    private object Run()
    {
        for (long count = 0; ; count++)
        {
            if (count >= maxOpcodes)
            {
                throw Bad($"more than {maxOpcodes} opcodes, more work than a pickle of {size} bytes needs");
            }

            if (input.Remaining <= 0)
            {
                throw Bad("ended before STOP");
            }

            long at = input.Position;
            byte op = input.Read(1)[0];
            switch (op)
            {
                case 0x80 when extension is not null: // PROTO of a bare pickle
                    byte version = Take(1)[0];
                    if (version < 2 || version > extension.MaxProtocol)
                    {
                        throw Bad($"uses protocol {version}; Transfer reads protocols 2 to {extension.MaxProtocol}");
                    }

                    break;
                case 0x80: // PROTO
                    byte proto = Take(1)[0];
                    if (proto > 2)
                    {
                        throw Bad($"uses protocol {proto}; torch.save writes protocol 2");
                    }

                    break;
                case (byte)'.': // STOP
                    if (!legacy && input.Remaining != 0)
                    {
                        throw Bad($"has {input.Remaining} bytes after STOP at offset {at}");
                    }

                    return stack.Result(at);
                case (byte)'c': PushGlobal(arguments.Line(at), arguments.Line(at), at); break;
                case 0x93 when extension is not null: StackGlobal(at); break;
                case (byte)'R': Reduce(at); break;
                case 0x81: NewObject(at); break;
                case (byte)'b': Build(at); break;
                case (byte)'a':
                    {
                        object item = stack.Pop(at);
                        AsList(stack.Peek(at), at, "APPEND").Add(item);
                        break;
                    }

                case (byte)'e':
                    {
                        object[] items = stack.PopMark(at);
                        AsList(stack.Peek(at), at, "APPENDS").AddRange(items);
                        break;
                    }

                case (byte)'s':
                    {
                        object value = stack.Pop(at);
                        object key = stack.Pop(at);
                        AsDict(stack.Peek(at), at, "SETITEM").Set(Key(key, at), value);
                        break;
                    }

                case (byte)'u':
                    {
                        object[] items = stack.PopMark(at);
                        if (items.Length % 2 != 0)
                        {
                            throw Bad($"SETITEMS at offset {at} has an odd number of items");
                        }

                        PickleDict dict = AsDict(stack.Peek(at), at, "SETITEMS");
                        for (int i = 0; i < items.Length; i += 2)
                        {
                            dict.Set(Key(items[i], at), items[i + 1]);
                        }

                        break;
                    }

                case (byte)'(': stack.Mark(at); break;
                case (byte)'t': stack.Push(new PickleTuple(stack.PopMark(at)), at); break;
                case 0x85: stack.Push(Tuple1(stack.Pop(at)), at); break;
                case 0x86:
                    {
                        object b = stack.Pop(at);
                        object a = stack.Pop(at);
                        stack.Push(new PickleTuple([a, b]), at);
                        break;
                    }

                case 0x87:
                    {
                        object c = stack.Pop(at);
                        object b = stack.Pop(at);
                        object a = stack.Pop(at);
                        stack.Push(new PickleTuple([a, b, c]), at);
                        break;
                    }

                case (byte)'N': stack.Push(PickleNone.Value, at); break;
                case 0x88: stack.Push(True, at); break;
                case 0x89: stack.Push(False, at); break;
                case (byte)')': stack.Push(EmptyTuple, at); break;
                case (byte)']': stack.Push(new List<object>(), at); break;
                case (byte)'}': stack.Push(new PickleDict(), at); break;
                case (byte)'J': stack.Push(Integer(BinaryPrimitives.ReadInt32LittleEndian(Take(4))), at); break;
                case (byte)'K': stack.Push(Integer(Take(1)[0]), at); break;
                case (byte)'M': stack.Push(Integer(BinaryPrimitives.ReadUInt16LittleEndian(Take(2))), at); break;
                case (byte)'G': stack.Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8)), at); break;
                case 0x8a: stack.Push(arguments.Long1(at), at); break;
                case (byte)'X' when extension is not null: stack.Push(arguments.Text(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at), at); break;
                case (byte)'X': stack.Push(arguments.Utf8(Take(arguments.Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at)), at), at); break;
                case (byte)'U': stack.Push(Encoding.Latin1.GetString(Take(Take(1)[0])), at); break;
                case (byte)'Q' when extension is not null: throw Bad($"persistent id at offset {at}: a bare pickle has no storages to name");
                case (byte)'Q': stack.Push(stateDict.PersistentId(stack.Pop(at), at), at); break;
                case (byte)'h': stack.Push(memo.Get(Take(1)[0], at), at); break;
                case (byte)'j': stack.Push(memo.Get(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at), at); break;
                case (byte)'q': memo.Put(Take(1)[0], stack.Peek(at), at); break;
                case (byte)'r': memo.Put(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), stack.Peek(at), at); break;
                default:
                    if (extended is not null && extended.Run(op, at))
                    {
                        break;
                    }

                    throw Bad($"opcode {OpName(op)} at offset {at} is not allowed");
            }
        }
    }

    private void StackGlobal(long at)
    {
        object name = stack.Pop(at);
        object module = stack.Pop(at);
        if (module is not string moduleName || name is not string globalName)
        {
            throw Bad($"STACK_GLOBAL at offset {at} names {TypeName(module)} and {TypeName(name)}, not two strings");
        }

        PushGlobal(moduleName, globalName, at);
    }

    private void PushGlobal(string module, string name, long at)
    {
        string full = $"{module}.{name}";
        if (extension is not null ? !extension.AllowsGlobal(full) : !StateDictReconstruction.Allows(full) && !StandIns.MayName(module, name))
        {
            throw Bad($"global '{full}' at offset {at} is not allowed ({extension?.AllowedGlobalsPhrase ?? "only the globals a state dict needs are"})");
        }

        stack.Push(new PickleGlobal(module, name), at);
    }

    private void Reduce(long at)
    {
        object args = stack.Pop(at);
        object callable = stack.Pop(at);
        if (callable is not PickleGlobal global || args is not PickleTuple tuple)
        {
            throw Bad($"REDUCE at offset {at} applies {TypeName(callable)} to {TypeName(args)}; only allowed globals may be called with a tuple");
        }

        object?[] a = tuple.Items;
        object result = extension?.Reduce(global, a, at)
            ?? stateDict.Reduce(global, a, at)
            ?? (extension is null ? StandIns.Reduce(global, a, NewStandIn) : null)
            ?? throw Bad(extension is not null || StateDictReconstruction.Allows(global.FullName) || !StandIns.IsClass(global)
                ? $"REDUCE at offset {at} calls '{global.FullName}' with arguments it does not accept"
                : $"REDUCE at offset {at} would call '{global.FullName}', which Transfer never does (it only rebuilds tensors and plain containers); save a state dict instead: torch.save(model.state_dict(), f)");
        stack.Push(result, at);
    }

    private void NewObject(long at)
    {
        object args = stack.Pop(at);
        object cls = stack.Pop(at);
        if (cls is PickleGlobal { FullName: "collections.OrderedDict" } && args is PickleTuple { Items.Length: 0 })
        {
            stack.Push(new PickleDict(), at);
            return;
        }

        // Any other named class becomes an inert stand-in instance; its arguments are never passed to anything.
        // A bare pickle (an extension) gets no stand-ins: only its own globals.
        if (extension is null && cls is PickleGlobal type && args is PickleTuple && !StateDictReconstruction.Allows(type.FullName) && StandIns.IsClass(type))
        {
            stack.Push(NewStandIn(type), at);
            return;
        }

        throw Bad($"NEWOBJ at offset {at} creates {(cls is PickleGlobal g ? "'" + g.FullName + "'" : TypeName(cls))}, which is not allowed");
    }

    private void Build(long at)
    {
        object state = stack.Pop(at); // for a dict or a tensor: an OrderedDict's _metadata or a tensor's python attributes, neither of which we need
        object target = stack.Peek(at);
        if (extension is not null && extension.Build(target, state, at))
        {
            return;
        }

        if (target is PickleObject standIn)
        {
            standIn.Build(state);
            return;
        }

        if (target is not (PickleDict or TensorRef))
        {
            throw Bad($"BUILD at offset {at} targets {TypeName(target)}; only dicts, tensors and class instances may be built");
        }
    }

    private PickleObject NewStandIn(PickleGlobal type)
    {
        classes?.Add(type.FullName);
        return new PickleObject(type);
    }

    private static object Integer(long value) => value is >= 0 and < 1024 ? SmallIntegers[value] : value;

    /// <summary>A one-item tuple; those of a small integer (a 1-D tensor's size or stride) are shared.</summary>
    private static PickleTuple Tuple1(object item)
    {
        if (item is long value && value is >= 0 and < 1024)
        {
            return SmallTuples[value];
        }

        return new PickleTuple([item]);
    }

    private ReadOnlySpan<byte> Take(int count) => arguments.Take(count);

    private List<object> AsList(object target, long at, string op) =>
        target as List<object> ?? (target as PickleObject)?.Items ?? throw Bad($"{op} at offset {at} targets {TypeName(target)}, not a list");

    private PickleDict AsDict(object target, long at, string op) =>
        target as PickleDict ?? (target as PickleObject)?.Entries ?? throw Bad($"{op} at offset {at} targets {TypeName(target)}, not a dict");

    private object Key(object key, long at) =>
        key is string or long or bool or double ? key : throw Bad($"dict key at offset {at} is {TypeName(key)}; only strings and numbers are supported");

    internal static string TypeName(object value) => value switch
    {
        PickleGlobal g => $"global '{g.FullName}'",
        PickleTuple => "a tuple",
        PickleDict => "a dict",
        List<object> => "a list",
        TensorRef => "a tensor",
        PickleObject o => $"an object of class '{o.Class.FullName}'",
        PickleSet => "a set",
        StorageRef => "a storage",
        PickleBytes => "bytes",
        PickleText => "a string",
        string => "a string",
        long or bool or double => "a number",
        PickleNone => "None",
        _ => "a value",
    };

    private static string OpName(byte op) => op switch
    {
        (byte)'i' => "INST",
        (byte)'o' => "OBJ",
        (byte)'P' => "PERSID",
        (byte)'0' => "POP",
        (byte)'1' => "POP_MARK",
        (byte)'2' => "DUP",
        (byte)'V' => "UNICODE",
        (byte)'S' => "STRING",
        (byte)'T' => "BINSTRING",
        (byte)'B' => "BINBYTES",
        (byte)'C' => "SHORT_BINBYTES",
        (byte)'I' => "INT",
        (byte)'L' => "LONG",
        (byte)'F' => "FLOAT",
        (byte)'g' => "GET",
        (byte)'p' => "PUT",
        (byte)'d' => "DICT",
        (byte)'l' => "LIST",
        0x8b => "LONG4",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x8c => "SHORT_BINUNICODE",
        0x8d => "BINUNICODE8",
        0x8e => "BINBYTES8",
        0x8f => "EMPTY_SET",
        0x90 => "ADDITEMS",
        0x91 => "FROZENSET",
        0x92 => "NEWOBJ_EX",
        0x93 => "STACK_GLOBAL",
        0x94 => "MEMOIZE",
        0x95 => "FRAME",
        _ => $"0x{op:x2}",
    } + $" (0x{op:x2})";

    private CheckpointFormatException Bad(string problem) => part.Error(problem);
}
