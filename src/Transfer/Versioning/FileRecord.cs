using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Transfer.Versioning;

/// <summary>
/// One file as <c>report.json</c> records it for DVC or Git LFS pipelines: the path it is shown under, the
/// SHA-256 of its bytes (lower-case hex, as <c>sha256sum</c> prints it) and its size in bytes.
/// </summary>
/// <param name="Path">The path shown: relative to the run folder for outputs, absolute for inputs.</param>
/// <param name="Sha256">The SHA-256 of the file's bytes, lower-case hex.</param>
/// <param name="Size">The file's size in bytes.</param>
internal sealed record FileRecord(string Path, string Sha256, long Size)
{
    /// <summary>Hashes <paramref name="file"/> (streamed, never loaded whole) and records it as <paramref name="shown"/>.</summary>
    public static FileRecord Of(string file, string shown)
    {
        using FileStream stream = File.OpenRead(file);
        string sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new FileRecord(shown, sha, stream.Length);
    }

    /// <summary>The SHA-256 of <paramref name="file"/>, lower-case hex.</summary>
    public static string Sha256Of(string file) => Of(file, file).Sha256;

    /// <summary><c>{"path", "sha256", "size"}</c>.</summary>
    public JsonObject ToJson() => new() { ["path"] = Path, ["sha256"] = Sha256, ["size"] = Size };
}
