using System.Buffers.Binary;
using System.Text;

namespace Transfer.Formats.PyTorch;

/// <summary>
/// An allowlist-only pickle reader for <c>data.pkl</c> and the pickles of legacy files. It knows the
/// protocol-2 opcodes a state dict uses and the handful of globals that rebuild one; every other opcode is
/// refused before it has any effect, naming what was refused. Any other class a pickle names (a whole-model
/// save's modules, a TorchScript archive's <c>__torch__</c> classes) becomes an inert stand-in as
/// <see cref="StandIns"/> rules, and calling one is refused. Nothing is imported or called: globals are names, REDUCE builds plain records.
/// The pickle is read from its file through a small window (<see cref="PickleInput"/>), never whole. Work is
/// bounded by size: at most <see cref="BaseOpcodes"/> + one opcode per <see cref="BytesPerOpcode"/> bytes and
/// <see cref="BaseMemo"/> + one memo entry per <see cref="BytesPerMemo"/> bytes (torch.save spends about 3 and
/// 11 bytes), and a stack depth of <see cref="MaxStack"/>, so a big state dict reads while a pickle that does
/// more than its size justifies fails fast. No string is longer than <see cref="MaxString"/>.
/// </summary>
internal sealed class Unpickler
{
    public const int BaseOpcodes = 10_000;
    public const int BytesPerOpcode = 2;
    public const int BaseMemo = 10_000;
    public const int BytesPerMemo = 6;
    public const int MaxStack = 10_000;

    /// <summary>The longest string read (64 MiB): state dicts hold names and small metadata, never more.</summary>
    public const int MaxString = 64 << 20;

    /// <summary>The longest string of a bare pickle read into memory (64 KiB); longer ones stay in the file (<see cref="PickleText"/>).</summary>
    public const int LongText = 1 << 16;

    private static readonly HashSet<string> AllowedGlobals =
    [
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch.Size",
        .. DType.All.Select(d => "torch." + d.StorageType),
    ];

    /// <summary>Integers 0-1023 boxed once: sizes, strides and offsets repeat them for every tensor.</summary>
    private static readonly object[] SmallIntegers = [.. Enumerable.Range(0, 1024).Select(i => (object)(long)i)];

    /// <summary>One empty tuple for every EMPTY_TUPLE: tuples are never changed, and each tensor's hooks call OrderedDict() with one.</summary>
    private static readonly PickleTuple EmptyTuple = new([]);

    /// <summary>The one-item tuples of <see cref="SmallIntegers"/>: tuples are never changed, so they are shared too.</summary>
    private static readonly PickleTuple[] SmallTuples = [.. SmallIntegers.Select(i => new PickleTuple([i]))];

    private static readonly object True = true;
    private static readonly object False = false;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly string path;
    private readonly PickleInput input;
    private readonly string part;
    private readonly bool legacy;
    private readonly List<object> stack = [];
    private readonly List<int> marks = [];
    // Pickles number memo slots 0, 1, 2…: those live in a list; any other slot number in a dictionary.
    private readonly List<object> denseMemo = [];
    private readonly Dictionary<long, object> sparseMemo = [];
    private readonly Dictionary<string, StorageRef> storages;
    private readonly long size;
    private readonly long maxOpcodes;
    private readonly long maxMemo;
    private readonly ISet<string>? classes;
    private readonly IPickleExtension? extension;

    private Unpickler(string path, PickleInput input, string part, bool legacy, Dictionary<string, StorageRef> storages,
        ISet<string>? classes = null, IPickleExtension? extension = null)
    {
        this.classes = classes;
        this.extension = extension;
        this.path = path;
        this.input = input;
        this.part = part;
        this.legacy = legacy;
        this.storages = storages;
        // A legacy pickle's length is known only at its STOP: it is measured by the bytes left in the file.
        size = input.Remaining;
        maxOpcodes = BaseOpcodes + (size / BytesPerOpcode);
        maxMemo = BaseMemo + (size / BytesPerMemo);
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
    /// instead of the state-dict ones, its protocols and their opcodes (see <see cref="ExtendedOpcode"/>).
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

                    if (stack.Count != 1 || marks.Count != 0)
                    {
                        throw Bad($"STOP at offset {at} leaves {stack.Count} values on the stack");
                    }

                    return stack[0];
                case (byte)'c': Global(at); break;
                case (byte)'R': Reduce(at); break;
                case 0x81: NewObject(at); break;
                case (byte)'b': Build(at); break;
                case (byte)'a':
                    {
                        object item = Pop(at);
                        AsList(Peek(at), at, "APPEND").Add(item);
                        break;
                    }

                case (byte)'e':
                    {
                        object[] items = PopMark(at);
                        AsList(Peek(at), at, "APPENDS").AddRange(items);
                        break;
                    }

                case (byte)'s':
                    {
                        object value = Pop(at);
                        object key = Pop(at);
                        AsDict(Peek(at), at, "SETITEM").Set(Key(key, at), value);
                        break;
                    }

                case (byte)'u':
                    {
                        object[] items = PopMark(at);
                        if (items.Length % 2 != 0)
                        {
                            throw Bad($"SETITEMS at offset {at} has an odd number of items");
                        }

                        PickleDict dict = AsDict(Peek(at), at, "SETITEMS");
                        for (int i = 0; i < items.Length; i += 2)
                        {
                            dict.Set(Key(items[i], at), items[i + 1]);
                        }

                        break;
                    }

                case (byte)'(':
                    marks.Add(stack.Count);
                    CheckDepth(at);
                    break;
                case (byte)'t': Push(new PickleTuple(PopMark(at)), at); break;
                case 0x85: Push(Tuple1(Pop(at)), at); break;
                case 0x86:
                    {
                        object b = Pop(at);
                        object a = Pop(at);
                        Push(new PickleTuple([a, b]), at);
                        break;
                    }

                case 0x87:
                    {
                        object c = Pop(at);
                        object b = Pop(at);
                        object a = Pop(at);
                        Push(new PickleTuple([a, b, c]), at);
                        break;
                    }

                case (byte)'N': Push(PickleNone.Value, at); break;
                case 0x88: Push(True, at); break;
                case 0x89: Push(False, at); break;
                case (byte)')': Push(EmptyTuple, at); break;
                case (byte)']': Push(new List<object>(), at); break;
                case (byte)'}': Push(new PickleDict(), at); break;
                case (byte)'J': Push(Integer(BinaryPrimitives.ReadInt32LittleEndian(Take(4))), at); break;
                case (byte)'K': Push(Integer(Take(1)[0]), at); break;
                case (byte)'M': Push(Integer(BinaryPrimitives.ReadUInt16LittleEndian(Take(2))), at); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8)), at); break;
                case 0x8a: Push(Long1(at), at); break;
                case (byte)'X' when extension is not null: Push(Text(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at), at); break;
                case (byte)'X': Push(Utf8(Take(Length(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at)), at), at); break;
                case (byte)'U': Push(Encoding.Latin1.GetString(Take(Take(1)[0])), at); break;
                case (byte)'Q' when extension is not null: throw Bad($"persistent id at offset {at}: a bare pickle has no storages to name");
                case (byte)'Q': Push(PersistentId(Pop(at), at), at); break;
                case (byte)'h': Push(MemoGet(Take(1)[0], at), at); break;
                case (byte)'j': Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at), at); break;
                case (byte)'q': MemoPut(Take(1)[0], at); break;
                case (byte)'r': MemoPut(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at); break;
                default:
                    if (extension is not null && ExtendedOpcode(op, at))
                    {
                        break;
                    }

                    throw Bad($"opcode {OpName(op)} at offset {at} is not allowed");
            }
        }
    }

    private void Global(long at)
    {
        string module = Line(at);
        string name = Line(at);
        PushGlobal(module, name, at);
    }

    private void PushGlobal(string module, string name, long at)
    {
        string full = $"{module}.{name}";
        if (extension is not null ? !extension.AllowsGlobal(full) : !AllowedGlobals.Contains(full) && !StandIns.MayName(module, name))
        {
            throw Bad($"global '{full}' at offset {at} is not allowed ({extension?.AllowedGlobalsPhrase ?? "only the globals a state dict needs are"})");
        }

        Push(new PickleGlobal(module, name), at);
    }

    private void Reduce(long at)
    {
        object args = Pop(at);
        object callable = Pop(at);
        if (callable is not PickleGlobal global || args is not PickleTuple tuple)
        {
            throw Bad($"REDUCE at offset {at} applies {TypeName(callable)} to {TypeName(args)}; only allowed globals may be called with a tuple");
        }

        object?[] a = tuple.Items;
        if (extension?.Reduce(global, a, at) is object extended)
        {
            Push(extended, at);
            return;
        }

        object result = global.FullName switch
        {
            "collections.OrderedDict" when a.Length == 0 => new PickleDict(),
            "torch.Size" when a.Length == 1 && a[0] is PickleTuple size => size,
            "torch._utils._rebuild_tensor_v2" when a.Length is 6 or 7 => RebuildTensor(a, at),
            "torch._utils._rebuild_parameter" when a.Length == 3 && a[0] is TensorRef t => t,
            "torch._utils._rebuild_parameter_with_state" when a.Length == 4 && a[0] is TensorRef t => t,
            _ => (extension is null ? StandIns.Reduce(global, a, NewStandIn) : null) ?? throw Bad(extension is not null || AllowedGlobals.Contains(global.FullName) || !StandIns.IsClass(global)
                ? $"REDUCE at offset {at} calls '{global.FullName}' with arguments it does not accept"
                : $"REDUCE at offset {at} would call '{global.FullName}', which Transfer never does (it only rebuilds tensors and plain containers); save a state dict instead: torch.save(model.state_dict(), f)"),
        };
        Push(result, at);
    }

    private void NewObject(long at)
    {
        object args = Pop(at);
        object cls = Pop(at);
        if (cls is PickleGlobal { FullName: "collections.OrderedDict" } && args is PickleTuple { Items.Length: 0 })
        {
            Push(new PickleDict(), at);
            return;
        }

        // Any other named class becomes an inert stand-in instance; its arguments are never passed to anything.
        // A bare pickle (an extension) gets no stand-ins: only its own globals.
        if (extension is null && cls is PickleGlobal type && args is PickleTuple && !AllowedGlobals.Contains(type.FullName) && StandIns.IsClass(type))
        {
            Push(NewStandIn(type), at);
            return;
        }

        throw Bad($"NEWOBJ at offset {at} creates {(cls is PickleGlobal g ? "'" + g.FullName + "'" : TypeName(cls))}, which is not allowed");
    }

    private void Build(long at)
    {
        object state = Pop(at); // for a dict or a tensor: an OrderedDict's _metadata or a tensor's python attributes, neither of which we need
        object target = Peek(at);
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

    private TensorRef RebuildTensor(object?[] a, long at)
    {
        if (a[0] is not StorageRef storage || a[1] is not long offset || a[2] is not PickleTuple size || a[3] is not PickleTuple stride
            || size.Items.Length != stride.Items.Length || size.Items.Length > 64)
        {
            throw Bad($"_rebuild_tensor_v2 at offset {at} has malformed arguments");
        }

        long[] sizes = new long[size.Items.Length];
        long[] strides = new long[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            if (size.Items[i] is not long s || stride.Items[i] is not long st || s < 0 || st < 0)
            {
                throw Bad($"_rebuild_tensor_v2 at offset {at} has a size or stride that is not a non-negative integer");
            }

            sizes[i] = s;
            strides[i] = st;
        }

        if (offset < 0)
        {
            throw Bad($"_rebuild_tensor_v2 at offset {at} has a negative storage offset");
        }

        return new TensorRef(storage, offset, sizes, strides);
    }

    private object PersistentId(object pid, long at)
    {
        // A legacy whole-module save names each module class as ('module', class, source file, source): the class, as a name.
        if (legacy && pid is PickleTuple { Items: ["module", PickleGlobal moduleClass, string or PickleNone, string or PickleNone] })
        {
            return moduleClass;
        }

        if (legacy && pid is PickleTuple { Items: [string, PickleGlobal, string, string, long, var view] } && view is not PickleNone)
        {
            throw Bad($"persistent id at offset {at} has view metadata (a storage view from PyTorch before 0.4), which Transfer does not read");
        }

        if (pid is PickleTuple { Items: [string tag, PickleGlobal type, string key, string, long numel, ..] items }
            && tag == "storage" && items.Length == (legacy ? 6 : 5))
        {
            DType dtype = type.Module == "torch" ? DType.FromStorageType(type.Name)
                ?? throw Bad($"persistent id at offset {at} names storage type '{type.FullName}', which is not supported")
                : throw Bad($"persistent id at offset {at} names storage type '{type.FullName}', which is not supported");
            if (numel < 0)
            {
                throw Bad($"storage '{key}' has a negative size");
            }

            // Like torch.load, the first persistent id of a key makes the storage (its type and size); any later
            // one for the same key gets that storage whatever type it names, so its tensor has the first's dtype.
            if (!storages.TryGetValue(key, out StorageRef? storage))
            {
                storage = new(dtype, key, numel);
                storages[key] = storage;
            }

            return storage;
        }

        throw Bad(legacy
            ? $"persistent id at offset {at} is not a ('storage', type, key, location, numel, None) tuple"
            : $"persistent id at offset {at} is not a ('storage', type, key, location, numel) tuple");
    }

    private object Long1(long at)
    {
        int n = Take(1)[0];
        if (n > 8)
        {
            throw Bad($"LONG1 at offset {at} has {n} bytes; integers wider than 64 bits are not supported");
        }

        ReadOnlySpan<byte> bytes = Take(n);
        long value = 0;
        for (int i = n - 1; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }

        if (n is > 0 and < 8 && (bytes[n - 1] & 0x80) != 0)
        {
            value -= 1L << (8 * n);
        }

        return value;
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

    private object MemoGet(long key, long at) =>
        key < denseMemo.Count ? denseMemo[(int)key]
        : sparseMemo.TryGetValue(key, out object? value) ? value
        : throw Bad($"memo slot {key} read at offset {at} was never written");

    private void MemoPut(long key, long at)
    {
        object value = Peek(at);
        if (key < denseMemo.Count)
        {
            denseMemo[(int)key] = value;
            return;
        }

        if (!sparseMemo.ContainsKey(key) && denseMemo.Count + sparseMemo.Count >= maxMemo)
        {
            throw Bad($"memo exceeds {maxMemo} entries at offset {at}, more than a pickle of {size} bytes needs");
        }

        if (key == denseMemo.Count && !sparseMemo.ContainsKey(key))
        {
            denseMemo.Add(value);
        }
        else
        {
            sparseMemo[key] = value;
        }
    }

    private string Line(long at)
    {
        int end = input.IndexOf((byte)'\n', 256);
        if (end < 0)
        {
            throw Bad($"GLOBAL at offset {at} has no name line within 256 bytes");
        }

        string text = Encoding.ASCII.GetString(input.Read(end));
        input.Read(1);
        return text;
    }

    private int Length(uint length, long at) =>
        length > input.Remaining ? throw Bad($"string at offset {at} claims {length} bytes, more than remain")
        : length > MaxString ? throw Bad($"string at offset {at} claims {length} bytes, above the limit of {MaxString} for one string")
        : (int)length;

    private string Utf8(ReadOnlySpan<byte> bytes, long at)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Bad($"string at offset {at} is not valid UTF-8");
        }
    }

    private ReadOnlySpan<byte> Take(int count) =>
        count > input.Remaining ? throw Bad($"ends in the middle of an opcode at offset {input.Position}") : input.Read(count);

    private void Push(object value, long at)
    {
        stack.Add(value);
        CheckDepth(at);
    }

    private void CheckDepth(long at)
    {
        if (stack.Count + marks.Count > MaxStack)
        {
            throw Bad($"stack exceeds {MaxStack} entries at offset {at} (hostile nesting)");
        }
    }

    private object Pop(long at)
    {
        int floor = marks.Count > 0 ? marks[^1] : 0;
        if (stack.Count <= floor)
        {
            throw Bad($"stack underflow at offset {at}");
        }

        object value = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private object Peek(long at)
    {
        int floor = marks.Count > 0 ? marks[^1] : 0;
        return stack.Count <= floor ? throw Bad($"stack underflow at offset {at}") : stack[^1];
    }

    private object[] PopMark(long at)
    {
        if (marks.Count == 0)
        {
            throw Bad($"opcode at offset {at} needs a MARK but there is none");
        }

        int mark = marks[^1];
        marks.RemoveAt(marks.Count - 1);
        object[] items = new object[stack.Count - mark];
        stack.CopyTo(mark, items, 0, items.Length);
        stack.RemoveRange(mark, items.Length);
        return items;
    }

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

    private CheckpointFormatException Bad(string problem) => new(path, $"{part}: {problem}");

    /// <summary>
    /// The opcodes of protocols 3 to 5 and Python 2's BINSTRING, read only for an extension's bare pickles
    /// (torch.save writes protocol 2): bytes are left in the file as <see cref="PickleBytes"/>, strings read,
    /// STACK_GLOBAL checked like GLOBAL, MEMOIZE and FRAME followed; out-of-band buffers are refused.
    /// </summary>
    private bool ExtendedOpcode(byte op, long at)
    {
        switch (op)
        {
            case (byte)'C': Push(BytesInFile(Take(1)[0], at), at); return true; // SHORT_BINBYTES
            case (byte)'B': Push(BytesInFile(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at), at); return true; // BINBYTES
            case 0x8e: Push(BytesInFile(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)), at), at); return true; // BINBYTES8
            case 0x96: Push(BytesInFile(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)), at), at); return true; // BYTEARRAY8
            case (byte)'T': // BINSTRING: a Python 2 str, which holds bytes (an array's data) as often as text
                int length = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                Push(length < 0 ? throw Bad($"BINSTRING at offset {at} has a negative length") : BytesInFile((ulong)length, at), at);
                return true;
            case 0x8c: Push(Utf8(Take(Take(1)[0]), at), at); return true; // SHORT_BINUNICODE
            case 0x8d: // BINUNICODE8
                ulong size8 = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
                Push(Utf8(Take(size8 > MaxString ? throw Bad($"string at offset {at} claims {size8} bytes, above the limit of {MaxString} for one string") : Length((uint)size8, at)), at), at);
                return true;
            case 0x93: // STACK_GLOBAL
                object name = Pop(at);
                object module = Pop(at);
                if (module is not string moduleName || name is not string globalName)
                {
                    throw Bad($"STACK_GLOBAL at offset {at} names {TypeName(module)} and {TypeName(name)}, not two strings");
                }

                PushGlobal(moduleName, globalName, at);
                return true;
            case 0x94: MemoPut(denseMemo.Count + sparseMemo.Count, at); return true; // MEMOIZE
            case 0x95: Take(8); return true; // FRAME: a hint for buffering, which the window does anyway
            case 0x97 or 0x98:
                throw Bad($"opcode {(op == 0x97 ? "NEXT_BUFFER" : "READONLY_BUFFER")} at offset {at} takes an out-of-band buffer, which a file does not hold; pickle the arrays in-band (no buffer_callback)");
            default:
                return false;
        }
    }

    /// <summary>
    /// A bare pickle's BINUNICODE string: read when it is at most <see cref="LongText"/> bytes (names, codes,
    /// metadata), else left in the file as <see cref="PickleText"/> (an array's data pickled as latin-1 text).
    /// </summary>
    private object Text(uint length, long at)
    {
        if (length <= LongText)
        {
            return Utf8(Take(Length(length, at)), at);
        }

        if (length > input.Remaining)
        {
            throw Bad($"string at offset {at} claims {length} bytes, more than remain");
        }

        PickleText text = new(input.FileOffset, length);
        input.Skip(length);
        return text;
    }

    private PickleBytes BytesInFile(ulong length, long at)
    {
        if (length > (ulong)input.Remaining)
        {
            throw Bad($"bytes at offset {at} claim {length} bytes, more than remain");
        }

        PickleBytes bytes = new(input.FileOffset, (long)length);
        input.Skip((long)length);
        return bytes;
    }
}
