using Microsoft.Win32.SafeHandles;

namespace Transfer.IO;

/// <summary>
/// Crash-safe file writing: the content goes to a uniquely named temp file in the destination folder, is
/// flushed to disk, and only then renamed over the target, so a reader sees the old file or the new one,
/// never half of one. On failure the temp file is deleted and the old file is left as it was. A process
/// killed mid-write cannot delete its temp, so temps are named <c>.&lt;name&gt;.&lt;pid&gt;.&lt;random&gt;.transfer-tmp</c>
/// and held under an exclusive lock while written, and each write first removes the temps of the same
/// output left by processes that have died (never one whose writer is alive or still holds its lock).
/// </summary>
internal static class AtomicFile
{
    /// <summary>The extension of every temp file Transfer writes (.gitignore lists it).</summary>
    internal const string TempExtension = ".transfer-tmp";

    /// <summary>Writes <paramref name="path"/> atomically with what <paramref name="write"/> puts in the stream.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="write">Writes the whole content; it must not close the stream.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temp = WriteTemp(full, write);
        try
        {
            File.Move(temp, full, overwrite: true);
            SyncFolder(Path.GetDirectoryName(full) ?? ".");
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// The first half of <see cref="Write"/>, for outputs that commit as a set: writes the content to a new temp
    /// file beside <paramref name="path"/> (flushed to disk) and returns the temp's path, which the caller renames
    /// over <paramref name="path"/> or deletes. On failure the temp is deleted.
    /// </summary>
    /// <param name="path">The file the temp will replace.</param>
    /// <param name="write">Writes the whole content; it must not close the stream.</param>
    public static string WriteTemp(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(folder);
        string name = Path.GetFileName(full);
        RemoveStaleTemps(folder, name);
        string temp = Path.Combine(folder, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}{TempExtension}");
        try
        {
            // FileShare.None takes an exclusive flock on Unix: RemoveStaleTemps in another process skips it.
            using FileStream stream = new(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            write(new WritebackStream(stream));
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        return temp;
    }

    /// <summary>Writes all of <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            using StreamWriter writer = new(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>
    /// Deletes this output's temps (<c>.&lt;name&gt;.&lt;pid&gt;.&lt;32 hex&gt;.transfer-tmp</c>) whose writing process
    /// is gone and whose lock can be taken; best effort, a temp that cannot be checked or deleted stays.
    /// </summary>
    internal static void RemoveStaleTemps(string folder, string name)
    {
        string prefix = "." + name + ".";
        IEnumerable<string> candidates;
        try
        {
            candidates = [.. Directory.EnumerateFiles(folder, "*" + TempExtension)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (string candidate in candidates)
        {
            string file = Path.GetFileName(candidate);
            if (!file.StartsWith(prefix, StringComparison.Ordinal) || !file.EndsWith(TempExtension, StringComparison.Ordinal))
            {
                continue;
            }

            string[] parts = file[prefix.Length..^TempExtension.Length].Split('.');
            if (parts.Length != 2 || parts[1].Length != 32 || !parts[1].All(char.IsAsciiHexDigitLower)
                || !int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid)
                || IsAlive(pid))
            {
                continue;
            }

            try
            {
                // Taking the writer's exclusive lock proves nobody is writing it; delete while holding it
                // (Windows deletes on close instead: an open file there cannot be deleted).
                using FileStream held = new(candidate, FileMode.Open, FileAccess.Read, FileShare.None, 1,
                    OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
                if (!OperatingSystem.IsWindows())
                {
                    File.Delete(candidate);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Locked by a live writer (perhaps in another PID namespace), or not ours to delete: leave it.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using System.Diagnostics.Process process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false; // no such process, or it has exited
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return true; // it exists but may not be inspected
        }
    }

    /// <summary>fsyncs <paramref name="folder"/> so renames in it survive a power cut (best effort).</summary>
    internal static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // fsync the folder so the rename itself survives a power cut.
        try
        {
            using SafeFileHandle handle = File.OpenHandle(folder, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Some file systems refuse to open or sync a folder; the file itself is already on disk.
        }
    }

    /// <summary>Deletes <paramref name="temp"/>, ignoring failure: the caller's own error is what matters.</summary>
    internal static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original failure is what the caller must see.
        }
    }
}
