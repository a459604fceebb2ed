using System.Buffers.Binary;
using System.IO.Compression;

namespace Transfer.Tests.Data;

/// <summary>Writes small IDX gz files for the reader tests.</summary>
internal static class IdxFiles
{
    public static string Write(string directory, string name, int magic, int[] dims, byte[] payload, bool gzip = true)
    {
        string path = Path.Combine(directory, name);
        using MemoryStream raw = new();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, magic);
        raw.Write(word);
        foreach (int d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            raw.Write(word);
        }

        raw.Write(payload);
        if (!gzip)
        {
            File.WriteAllBytes(path, raw.ToArray());
            return path;
        }

        using FileStream file = File.Create(path);
        using GZipStream zip = new(file, CompressionLevel.Fastest);
        zip.Write(raw.ToArray());
        return path;
    }

    public static string TempDirectory() => TestFolders.New("idx");
}
