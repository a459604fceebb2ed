using System.Buffers.Binary;

namespace Transfer.Formats.PyTorch;

/// <summary>
/// The opcodes of protocols 3 to 5 and Python 2's BINSTRING, read only for an extension's bare pickles
/// (torch.save writes protocol 2): bytes are left in the file as <see cref="PickleBytes"/>, strings read,
/// MEMOIZE and FRAME followed; out-of-band buffers are refused. STACK_GLOBAL is the <see cref="Unpickler"/>'s,
/// which checks it like GLOBAL.
/// </summary>
internal sealed class ExtendedOpcodes(PicklePart part, PickleArguments arguments, PickleStack stack, PickleMemo memo)
{
    /// <summary>Runs <paramref name="op"/> and returns true, or returns false when it is not one of these opcodes.</summary>
    public bool Run(byte op, long at)
    {
        switch (op)
        {
            case (byte)'C': stack.Push(arguments.BytesInFile(arguments.Take(1)[0], at), at); return true; // SHORT_BINBYTES
            case (byte)'B': stack.Push(arguments.BytesInFile(BinaryPrimitives.ReadUInt32LittleEndian(arguments.Take(4)), at), at); return true; // BINBYTES
            case 0x8e: stack.Push(arguments.BytesInFile(BinaryPrimitives.ReadUInt64LittleEndian(arguments.Take(8)), at), at); return true; // BINBYTES8
            case 0x96: stack.Push(arguments.BytesInFile(BinaryPrimitives.ReadUInt64LittleEndian(arguments.Take(8)), at), at); return true; // BYTEARRAY8
            case (byte)'T': // BINSTRING: a Python 2 str, which holds bytes (an array's data) as often as text
                int length = BinaryPrimitives.ReadInt32LittleEndian(arguments.Take(4));
                stack.Push(length < 0 ? throw part.Error($"BINSTRING at offset {at} has a negative length") : arguments.BytesInFile((ulong)length, at), at);
                return true;
            case 0x8c: stack.Push(arguments.Utf8(arguments.Take(arguments.Take(1)[0]), at), at); return true; // SHORT_BINUNICODE
            case 0x8d: // BINUNICODE8
                ulong size8 = BinaryPrimitives.ReadUInt64LittleEndian(arguments.Take(8));
                stack.Push(arguments.Utf8(arguments.Take(size8 > Unpickler.MaxString
                    ? throw part.Error($"string at offset {at} claims {size8} bytes, above the limit of {Unpickler.MaxString} for one string")
                    : arguments.Length((uint)size8, at)), at), at);
                return true;
            case 0x94: memo.Put(memo.Count, stack.Peek(at), at); return true; // MEMOIZE
            case 0x95: arguments.Take(8); return true; // FRAME: a hint for buffering, which the window does anyway
            case 0x97 or 0x98:
                throw part.Error($"opcode {(op == 0x97 ? "NEXT_BUFFER" : "READONLY_BUFFER")} at offset {at} takes an out-of-band buffer, which a file does not hold; pickle the arrays in-band (no buffer_callback)");
            default:
                return false;
        }
    }
}
