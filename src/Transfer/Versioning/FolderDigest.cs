using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Transfer.Versioning;

/// <summary>
/// One digest for a tree of files, reproducible with coreutils: the SHA-256 of the <c>sha256sum</c>
/// listing (<c>&lt;hex&gt;  &lt;relative/path&gt;\n</c> per file) of every regular file, sorted by relative
/// path (ordinal, <c>/</c> separators). In a shell: <c>cd DIR &amp;&amp; find train val -type f | LC_ALL=C sort |
/// xargs sha256sum | sha256sum</c>. Any added, removed, renamed or changed file changes it.
/// </summary>
/// <param name="Folder">The folder the paths are relative to.</param>
/// <param name="Files">How many files it covers.</param>
/// <param name="Size">Their total size in bytes.</param>
/// <param name="Sha256">The digest, lower-case hex.</param>
internal sealed record FolderDigest(string Folder, long Files, long Size, string Sha256)
{
    /// <summary>Digests every file under the <paramref name="subfolders"/> of <paramref name="folder"/> (those that exist).</summary>
    public static FolderDigest Of(string folder, IReadOnlyList<string> subfolders) =>
        OfFiles(folder, subfolders
            .Select(s => Path.Combine(folder, s))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Select(f => Path.GetRelativePath(folder, f)));

    /// <summary>Digests the given files of <paramref name="folder"/> (paths relative to it), such as a sharded checkpoint's index and shards.</summary>
    public static FolderDigest OfFiles(string folder, IEnumerable<string> relativePaths)
    {
        List<(string Relative, string Full)> files = relativePaths
            .Select(r => (r.Replace(Path.DirectorySeparatorChar, '/'), Path.Combine(folder, r)))
            .OrderBy(f => f.Item1, StringComparer.Ordinal)
            .ToList();
        StringBuilder listing = new();
        long size = 0;
        foreach ((string relative, string full) in files)
        {
            FileRecord record = FileRecord.Of(full, relative);
            size = checked(size + record.Size);
            listing.Append(CultureInfo.InvariantCulture, $"{record.Sha256}  {relative}\n");
        }

        string digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(listing.ToString())));
        return new FolderDigest(folder, files.Count, size, digest);
    }

    /// <summary><c>{"path", "files", "size", "sha256", "digest"}</c>, naming how the digest is made.</summary>
    public JsonObject ToJson() => new()
    {
        ["path"] = Folder,
        ["files"] = Files,
        ["size"] = Size,
        ["sha256"] = Sha256,
        ["digest"] = "sha256 of the sha256sum listing of every file, sorted by relative path",
    };
}
