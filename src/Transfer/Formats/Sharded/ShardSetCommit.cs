using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Transfer.IO;

namespace Transfer.Formats.Sharded;

/// <summary>
/// Commits a sharded checkpoint as a unit, with its index as the commit point. Every shard and the index are
/// first written in full to temp files beside them (<see cref="AtomicFile.WriteTemp"/>, flushed to disk); the
/// shards are then renamed into place and the index last, so a reader that opens the index finds either the
/// old set or the new one. Two cases need more:
/// <list type="bullet">
/// <item>When a new shard would replace a file the current index names (rewriting a set with the same shard
/// count), each such file first gets a second name by a hard link (<c>.&lt;name&gt;.&lt;32 hex&gt;.transfer-prev</c>, no
/// bytes copied) and the current index is rewritten (atomically) to name those, so until the new index lands the
/// index on disk names the complete old set. The backups go once the new index is in place; a crash leaves them
/// named by the old index, and the next commit removes them. Where hard links are not available, the current
/// index is deleted before any shard is replaced instead: a crash in that window leaves no index (the folder then
/// reads as holding none), never an old index over a mix of old and new shards.</item>
/// <item>After the new index is in place, files named like this index's shards (<c>&lt;stem&gt;-NNNNN-of-NNNNN&lt;ext&gt;</c>)
/// that it does not list are deleted: the rest of an older set with another shard count, so the folder holds one set.</item>
/// </list>
/// A failure before the renames deletes the temps and leaves the folder as it was; one during them leaves the old
/// set readable through its index (or, without hard links, no index).
/// </summary>
internal static class ShardSetCommit
{
    /// <summary>The extension of a replaced shard's backup name while a commit runs.</summary>
    internal const string BackupExtension = ".transfer-prev";

    /// <param name="indexPath">The index's full path.</param>
    /// <param name="stem">The index's stem (<c>model</c>), which names its shards.</param>
    /// <param name="extension">The shards' extension (<c>.safetensors</c>, <c>.bin</c>).</param>
    /// <param name="files">The shards (full paths), then the index last, each with what writes it.</param>
    /// <param name="afterRename">Hears the count of files renamed into place so far (tests use it to fail between renames).</param>
    public static void Write(
        string indexPath, string stem, string extension, IReadOnlyList<(string Path, Action<Stream> Write)> files, Action<int>? afterRename = null)
    {
        foreach (var (path, _) in files)
        {
            if (Directory.Exists(path))
            {
                throw new CheckpointFormatException(path, "is a folder, so the sharded checkpoint cannot be written there");
            }
        }

        List<string> temps = [];
        try
        {
            foreach (var (path, write) in files)
            {
                temps.Add(AtomicFile.WriteTemp(path, write));
            }
        }
        catch
        {
            temps.ForEach(AtomicFile.TryDelete);
            throw;
        }

        string folder = Path.GetDirectoryName(indexPath) ?? ".";
        int renamed = 0;
        List<string> backups = [];
        try
        {
            HashSet<string> replaced = CurrentShards(indexPath);
            replaced.IntersectWith(files.SkipLast(1).Select(f => f.Path));
            if (replaced.Count > 0 && !KeepCurrentSetReadable(indexPath, replaced, backups))
            {
                File.Delete(indexPath);
                AtomicFile.SyncFolder(folder);
            }

            for (; renamed < files.Count; renamed++)
            {
                File.Move(temps[renamed], files[renamed].Path, overwrite: true);
                afterRename?.Invoke(renamed + 1);
            }

            AtomicFile.SyncFolder(folder);
        }
        catch
        {
            temps.Skip(renamed).ToList().ForEach(AtomicFile.TryDelete);
            throw;
        }

        backups.ForEach(AtomicFile.TryDelete);
        RemoveOtherShards(folder, stem, extension, [.. files.SkipLast(1).Select(f => Path.GetFileName(f.Path))]);
    }

    /// <summary>
    /// Hard-links each of <paramref name="replaced"/> (full paths the index names) to a backup name beside it, added
    /// to <paramref name="backups"/>, and atomically rewrites the index at <paramref name="indexPath"/> to name the
    /// backups instead (everything else in it kept). False, with nothing left behind and the index untouched, when a
    /// link or the rewrite fails.
    /// </summary>
    private static bool KeepCurrentSetReadable(string indexPath, HashSet<string> replaced, List<string> backups)
    {
        string folder = Path.GetDirectoryName(indexPath) ?? ".";
        Dictionary<string, string> renames = new(StringComparer.Ordinal);
        foreach (string shard in replaced)
        {
            string backup = Path.Combine(Path.GetDirectoryName(shard) ?? folder, $".{Path.GetFileName(shard)}.{Guid.NewGuid():N}{BackupExtension}");
            if (!HardLink.TryCreate(shard, backup))
            {
                return Undo(backups);
            }

            backups.Add(backup);
            renames[shard] = Path.GetRelativePath(folder, backup).Replace('\\', '/');
        }

        try
        {
            JsonObject index = JsonNode.Parse(File.ReadAllBytes(indexPath))!.AsObject();
            JsonObject map = index["weight_map"]!.AsObject();
            foreach (KeyValuePair<string, JsonNode?> entry in map.ToList())
            {
                if (renames.TryGetValue(Path.GetFullPath(Path.Combine(folder, entry.Value!.GetValue<string>())), out string? backup))
                {
                    map[entry.Key] = backup;
                }
            }

            byte[] rewritten = JsonSerializer.SerializeToUtf8Bytes(index, new JsonSerializerOptions { WriteIndented = true });
            AtomicFile.Write(indexPath, stream => stream.Write(rewritten));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or ArgumentException)
        {
            return Undo(backups);
        }

        static bool Undo(List<string> made)
        {
            made.ForEach(AtomicFile.TryDelete);
            made.Clear();
            return false;
        }
    }

    /// <summary>The full paths of the shards the index at <paramref name="indexPath"/> names now; none when it is absent or unreadable.</summary>
    private static HashSet<string> CurrentShards(string indexPath)
    {
        HashSet<string> shards = new(StringComparer.Ordinal);
        if (!File.Exists(indexPath))
        {
            return shards;
        }

        try
        {
            string folder = Path.GetDirectoryName(indexPath) ?? ".";
            foreach (var (_, shard) in ShardIndex.Read(indexPath).WeightMap)
            {
                shards.Add(Path.GetFullPath(Path.Combine(folder, shard)));
            }
        }
        catch (CheckpointFormatException)
        {
            // An unreadable index names no set a reader could open; it is simply replaced.
        }

        return shards;
    }

    /// <summary>
    /// Deletes the files named like this index's shards that the new set does not hold, and backups of such shards
    /// an interrupted commit left (best effort).
    /// </summary>
    private static void RemoveOtherShards(string folder, string stem, string extension, HashSet<string> keep)
    {
        string shard = $"{Regex.Escape(stem)}-[0-9]{{5,}}-of-[0-9]{{5,}}{Regex.Escape(extension)}";
        Regex shardName = new($"^(?:{shard}|\\.{shard}\\.[0-9a-f]{{32}}{Regex.Escape(BackupExtension)})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        try
        {
            foreach (string file in Directory.EnumerateFiles(folder))
            {
                string name = Path.GetFileName(file);
                if (!keep.Contains(name) && shardName.IsMatch(name))
                {
                    AtomicFile.TryDelete(file);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RegexMatchTimeoutException)
        {
            // The new set is committed; a leftover old shard is not listed by its index and is removed next time.
        }
    }
}
