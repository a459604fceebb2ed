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
/// count), that index is deleted before any shard is replaced: a crash in that window leaves no index (the
/// folder then reads as holding none), never an old index over a mix of old and new shards.</item>
/// <item>After the new index is in place, files named like this index's shards (<c>&lt;stem&gt;-NNNNN-of-NNNNN&lt;ext&gt;</c>)
/// that it does not list are deleted: the rest of an older set with another shard count, so the folder holds one set.</item>
/// </list>
/// A failure before the renames deletes the temps and leaves the folder as it was.
/// </summary>
internal static class ShardSetCommit
{
    /// <param name="indexPath">The index's full path.</param>
    /// <param name="stem">The index's stem (<c>model</c>), which names its shards.</param>
    /// <param name="extension">The shards' extension (<c>.safetensors</c>, <c>.bin</c>).</param>
    /// <param name="files">The shards (full paths), then the index last, each with what writes it.</param>
    public static void Write(string indexPath, string stem, string extension, IReadOnlyList<(string Path, Action<Stream> Write)> files)
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
        try
        {
            HashSet<string> current = CurrentShards(indexPath);
            if (files.SkipLast(1).Any(f => current.Contains(f.Path)))
            {
                File.Delete(indexPath);
                AtomicFile.SyncFolder(folder);
            }

            for (; renamed < files.Count; renamed++)
            {
                File.Move(temps[renamed], files[renamed].Path, overwrite: true);
            }

            AtomicFile.SyncFolder(folder);
        }
        catch
        {
            temps.Skip(renamed).ToList().ForEach(AtomicFile.TryDelete);
            throw;
        }

        RemoveOtherShards(folder, stem, extension, [.. files.SkipLast(1).Select(f => Path.GetFileName(f.Path))]);
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

    /// <summary>Deletes the files named like this index's shards that the new set does not hold (best effort).</summary>
    private static void RemoveOtherShards(string folder, string stem, string extension, HashSet<string> keep)
    {
        Regex shardName = new($"^{Regex.Escape(stem)}-[0-9]{{5,}}-of-[0-9]{{5,}}{Regex.Escape(extension)}$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
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
