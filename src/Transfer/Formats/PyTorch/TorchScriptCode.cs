using System.IO.Compression;
using System.Text;

namespace Transfer.Formats.PyTorch;

/// <summary>
/// Reads class declarations from a TorchScript archive's <c>code/</c> folder as text, never running it. The
/// class <c>__torch__.a.b.Name</c> is declared in <c>code/__torch__/a/b.py</c> by a line <c>class Name(…):</c>
/// at the start of a line, followed by its indented body; a file is read (and its CRC-32 checked) the first
/// time one of its classes is asked for, and must be at most <see cref="MaxFile"/> bytes (<see cref="MaxTotal"/> in all), stored or deflated
/// (as <c>torch.jit.save</c> writes them), inflated into exactly the size the directory records.
/// </summary>
internal sealed class TorchScriptCode(TensorFile file, Dictionary<string, ZipMember> members)
{
    /// <summary>The largest code file read (16 MiB); TorchScript writes a few KiB per module class.</summary>
    public const long MaxFile = 16 << 20;

    /// <summary>The most code read from one archive (64 MiB), however many classes it declares.</summary>
    public const long MaxTotal = 64 << 20;

    private const string Fallback = "; save a state dict instead: torch.save(model.state_dict(), f)";
    private readonly Dictionary<string, string[]> files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TorchScriptClass> classes = new(StringComparer.Ordinal);
    private long total;

    /// <summary>The declaration of <paramref name="type"/>, or a refusal naming the class when code/ has none.</summary>
    public TorchScriptClass Find(PickleGlobal type)
    {
        if (classes.TryGetValue(type.FullName, out TorchScriptClass? known))
        {
            return known;
        }

        string member = "code/" + type.Module.Replace('.', '/') + ".py";
        string[] lines = Lines(member, type);
        int start = Array.FindIndex(lines, l => l.StartsWith($"class {type.Name}(", StringComparison.Ordinal) || l == $"class {type.Name}:");
        if (start < 0)
        {
            throw new CheckpointFormatException(file.Path,
                $"TorchScript class '{type.FullName}' is not declared in '{member}', so its parameters cannot be told from its buffers{Fallback}");
        }

        bool isModule = lines[start].EndsWith("(Module):", StringComparison.Ordinal);
        HashSet<string> parameters = new(StringComparer.Ordinal);
        HashSet<string> buffers = new(StringComparer.Ordinal);
        for (int i = start + 1; i < lines.Length && lines[i].StartsWith(' '); i++)
        {
            string line = lines[i].Trim();
            if (line.StartsWith("__parameters__ = ", StringComparison.Ordinal))
            {
                Names(line, parameters, type);
            }
            else if (line.StartsWith("__buffers__ = ", StringComparison.Ordinal))
            {
                Names(line, buffers, type);
            }
        }

        return classes[type.FullName] = new TorchScriptClass(isModule, parameters, buffers);
    }

    private string[] Lines(string name, PickleGlobal type)
    {
        if (files.TryGetValue(name, out string[]? lines))
        {
            return lines;
        }

        if (!members.TryGetValue(name, out ZipMember? member))
        {
            throw new CheckpointFormatException(file.Path,
                $"TorchScript class '{type.FullName}' has no code file '{name}', so its parameters cannot be told from its buffers{Fallback}");
        }

        if (member.Size > MaxFile || member.DeflatedSize > MaxFile)
        {
            throw new CheckpointFormatException(file.Path, $"TorchScript code file '{member.Name}' is {member.Size} bytes, above the limit of {MaxFile}");
        }

        total += member.Size;
        if (total > MaxTotal)
        {
            throw new CheckpointFormatException(file.Path, $"TorchScript code files read reach {total} bytes at '{member.Name}', above the limit of {MaxTotal} for one archive");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(member.DeflatedSize is null ? PyTorchCheckpointReader.ReadMember(file, member) : Inflate(member));
        }
        catch (DecoderFallbackException)
        {
            throw new CheckpointFormatException(file.Path, $"TorchScript code file '{member.Name}' is not valid UTF-8");
        }

        return files[name] = text.Split('\n');
    }

    private byte[] Inflate(ZipMember member)
    {
        byte[] text = new byte[member.Size];
        int count;
        bool longer;
        try
        {
            using DeflateStream inflate = new(new MemoryStream(file.ReadBytes(member.DataOffset, (int)member.DeflatedSize!.Value)), CompressionMode.Decompress);
            count = inflate.ReadAtLeast(text, text.Length, throwOnEndOfStream: false);
            longer = inflate.ReadByte() >= 0;
        }
        catch (InvalidDataException)
        {
            throw new CheckpointFormatException(file.Path, $"TorchScript code file '{member.Name}' is not valid deflate data");
        }

        if (count != text.Length || longer)
        {
            throw new CheckpointFormatException(file.Path, $"TorchScript code file '{member.Name}' does not inflate to the {member.Size} bytes the zip directory records");
        }

        new RecordedCrc(file, "zip member", member.Name, member.DataOffset, member.Size, member.Crc).Check(System.IO.Hashing.Crc32.HashToUInt32(text));
        return text;
    }

    /// <summary>Parses <c>__parameters__ = ["a", "b", ]</c>: double-quoted names, no escapes.</summary>
    private void Names(string line, HashSet<string> into, PickleGlobal type)
    {
        int open = line.IndexOf('[', StringComparison.Ordinal);
        if (open < 0 || !line.EndsWith(']'))
        {
            throw Malformed(line, type);
        }

        string body = line[(open + 1)..^1];
        int at = 0;
        while (true)
        {
            while (at < body.Length && (body[at] == ' ' || body[at] == ','))
            {
                at++;
            }

            if (at == body.Length)
            {
                return;
            }

            int end = body[at] == '"' ? body.IndexOf('"', at + 1) : -1;
            if (end < 0 || body[(at + 1)..end].Contains('\\'))
            {
                throw Malformed(line, type);
            }

            into.Add(body[(at + 1)..end]);
            at = end + 1;
        }
    }

    private CheckpointFormatException Malformed(string line, PickleGlobal type) =>
        new(file.Path, $"TorchScript class '{type.FullName}' declares '{line}', which is not a list of quoted names{Fallback}");
}
