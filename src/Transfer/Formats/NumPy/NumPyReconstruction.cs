using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Transfer.Formats.PyTorch;

namespace Transfer.Formats.NumPy;

/// <summary>
/// The globals, calls and BUILDs that rebuild NumPy arrays in a bare pickle, and nothing else: the array
/// reconstructor (<c>numpy.core.multiarray._reconstruct</c>, or <c>numpy.core.numeric._frombuffer</c> under
/// protocol 5, either under NumPy 2's <c>numpy._core</c> too), <c>numpy.ndarray</c> and <c>numpy.dtype</c> as
/// its arguments, <c>numpy.core.multiarray.scalar</c> (a NumPy number such as <c>numpy.int64(7)</c>),
/// <c>_codecs.encode</c> and <c>bytes</c> (how protocol 2 writes bytes from Python 3), and
/// <c>collections.OrderedDict</c> (a MegEngine-style state dict). Each call is recognised only with the exact
/// arguments NumPy writes and turned into a record; nothing is imported or run.
/// </summary>
internal sealed class NumPyReconstruction(TensorFile file) : IPickleExtension
{
    private static readonly HashSet<string> Globals =
    [
        "collections.OrderedDict",
        "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray._reconstruct",
        "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar",
        "numpy.core.numeric._frombuffer",
        "numpy._core.numeric._frombuffer",
        "numpy.ndarray",
        "numpy.dtype",
        "_codecs.encode",
        "__builtin__.bytes",
        "builtins.bytes",
    ];

    public int MaxProtocol => 5;

    public string AllowedGlobalsPhrase => "a bare pickle may name only the globals that rebuild NumPy arrays";

    public bool AllowsGlobal(string fullName) => Globals.Contains(fullName);

    public object? Reduce(PickleGlobal callable, object?[] args, long at) => callable.FullName switch
    {
        "numpy.core.multiarray._reconstruct" or "numpy._core.multiarray._reconstruct"
            when args is [PickleGlobal { FullName: "numpy.ndarray" }, PickleTuple { Items: [0L] }, var code] && IsTypeCodeB(code) => new NumPyArray(),
        "numpy.core.numeric._frombuffer" or "numpy._core.numeric._frombuffer"
            when args is [var data and (PickleBytes or byte[] or Latin1Text), NumPyDType dtype, PickleTuple shape, "C" or "F"] =>
            Built(dtype, Shape(shape, at), Equals(args[3], "F"), data!),
        "numpy.core.multiarray.scalar" or "numpy._core.multiarray.scalar" when args is [NumPyDType dtype, var data] => Scalar(dtype, data, at),
        "numpy.dtype" when args is [string code, bool or 0L or 1L, bool or 0L or 1L] => new NumPyDType(code),
        "_codecs.encode" when args is [string text, "latin1" or "latin-1"] => Latin1(text, at),
        "_codecs.encode" when args is [PickleText text, "latin1" or "latin-1"] => Latin1Text.Scan(file, text, Bad),
        "__builtin__.bytes" or "builtins.bytes" when args.Length == 0 => Array.Empty<byte>(),
        _ => null,
    };

    public bool Build(object target, object state, long at)
    {
        if (target is NumPyDType dtype)
        {
            return dtype.Build(state) is string problem ? throw Bad($"dtype state at offset {at} {problem}") : true;
        }

        if (target is not NumPyArray array)
        {
            return false;
        }

        if (array.IsBuilt)
        {
            throw Bad($"BUILD at offset {at} sets the state of an array that already has one");
        }

        if (state is PickleTuple { Items: [1L, PickleTuple shape, NumPyDType type, bool or 0L or 1L, var data] items })
        {
            bool fortran = items[3] is true or 1L;
            array.Set(type, Shape(shape, at), fortran, data switch
            {
                PickleBytes or byte[] or Latin1Text => data,
                string text => Latin1(text, at),
                PickleText text => Latin1Text.Scan(file, text, Bad),
                List<object> => throw Bad($"array state at offset {at} holds a list of objects (an object array), which Transfer does not read"),
                _ => throw Bad($"array state at offset {at} holds its data as something other than bytes"),
            });
            return true;
        }

        throw Bad($"array state at offset {at} is not NumPy's (1, shape, dtype, is_fortran, data) tuple");
    }

    private static NumPyArray Built(NumPyDType dtype, long[] shape, bool fortran, object data)
    {
        NumPyArray array = new();
        array.Set(dtype, shape, fortran, data);
        return array;
    }

    /// <summary>
    /// A NumPy scalar as the Python number it prints as (<c>numpy.float32(0.1)</c> is <c>0.1</c>) or, for
    /// <c>numpy.str_</c>, the string it is, so the top level's become metadata like a checkpoint's <c>epoch</c>;
    /// one of another dtype (complex, bytes, dates) stays inert.
    /// </summary>
    private object Scalar(NumPyDType dtype, object? data, long at)
    {
        bool text = dtype.Code.StartsWith('U') && dtype.ByteOrder is '<' or '>';
        if (dtype.Type is null && !text)
        {
            return new NumPyScalar(dtype.Description);
        }

        byte[] bytes = data switch
        {
            PickleBytes { Length: <= Unpickler.LongText } inFile => file.ReadBytes(inFile.FileOffset, (int)inFile.Length),
            byte[] memory => (byte[])memory.Clone(),
            string latin1 => Latin1(latin1, at),
            _ => throw Bad($"scalar at offset {at} holds its value as something other than a few bytes"),
        };
        if (dtype.Type is not DType type)
        {
            // numpy.str_, a Python str: UTF-32 padded with NULs.
            try
            {
                return new UTF32Encoding(dtype.ByteOrder == '>', false, true).GetString(bytes).TrimEnd('\0');
            }
            catch (DecoderFallbackException)
            {
                throw Bad($"scalar at offset {at} is not valid UTF-32 text");
            }
        }

        if (bytes.Length != type.Size)
        {
            throw Bad($"scalar at offset {at} holds {bytes.Length} bytes for '{dtype.Code}', whose items are {type.Size} bytes");
        }

        if (dtype.BigEndian)
        {
            Array.Reverse(bytes);
        }

        return type.Name switch
        {
            "bool" => bytes[0] != 0,
            "uint8" => (long)bytes[0],
            "int8" => (long)(sbyte)bytes[0],
            "int16" => (long)BinaryPrimitives.ReadInt16LittleEndian(bytes),
            "int32" => (long)BinaryPrimitives.ReadInt32LittleEndian(bytes),
            "int64" => BinaryPrimitives.ReadInt64LittleEndian(bytes),
            // The shortest text of a float16 or float32 read back as a double, so it prints as NumPy prints it.
            "float16" => double.Parse(BinaryPrimitives.ReadHalfLittleEndian(bytes).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
            "float32" => double.Parse(BinaryPrimitives.ReadSingleLittleEndian(bytes).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
            _ => BinaryPrimitives.ReadDoubleLittleEndian(bytes),
        };
    }

    private long[] Shape(PickleTuple shape, long at)
    {
        long[] sizes = new long[shape.Items.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            sizes[i] = shape.Items[i] is long size ? size : throw Bad($"array at offset {at} has a shape that is not a tuple of integers");
        }

        return sizes;
    }

    /// <summary>The placeholder type code NumPy pickles for the empty base array: <c>b'b'</c> (or Python 2's <c>'b'</c>).</summary>
    private bool IsTypeCodeB(object? code) => code switch
    {
        PickleBytes { Length: 1 } inFile => file.ReadBytes(inFile.FileOffset, 1)[0] == (byte)'b',
        byte[] bytes => bytes is [(byte)'b'],
        string text => text == "b",
        _ => false,
    };

    /// <summary>Python's <c>text.encode('latin1')</c>: each character is one byte, and none may be above U+00FF.</summary>
    private byte[] Latin1(string text, long at)
    {
        foreach (char c in text)
        {
            if (c > '\u00ff')
            {
                throw Bad($"bytes at offset {at} hold a character above U+00FF, which latin-1 cannot encode");
            }
        }

        return Encoding.Latin1.GetBytes(text);
    }

    private CheckpointFormatException Bad(string problem) => new(file.Path, $"pickle: {problem}");
}
