using System.Globalization;
using System.Text.Json;
using TorchSharp;
using Transfer.IO;
using static TorchSharp.torch.nn;

namespace Transfer.FineTuning.Checkpoints;

/// <summary>
/// The <c>checkpoints/</c> folder of a run. Each checkpoint is a folder <c>epoch-NNNN</c> holding
/// <c>model.dat</c> (TorchSharp format: parameters and buffers), <c>optimizer.dat</c> (TorchSharp optimizer
/// state, including every group's learning rate) and <c>state.json</c> (<see cref="TrainingProgress"/>). Files are written, fsynced, in a hidden temp folder
/// which is then renamed into place: a checkpoint either exists whole or not at all, and anything else in
/// the folder (a temp folder left by <c>kill -9</c>) is ignored and cleaned up.
/// </summary>
internal sealed class CheckpointStore
{
    private const string Prefix = "epoch-";
    private static readonly string[] Files = ["model.dat", "optimizer.dat", "state.json"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public CheckpointStore(string folder)
    {
        Folder = folder;
    }

    /// <summary>The <c>checkpoints/</c> folder.</summary>
    public string Folder { get; }

    /// <summary>Writes the checkpoint after <paramref name="progress"/>.Epoch and commits it with one rename.</summary>
    public void Commit(Module model, torch.optim.Optimizer optimizer, TrainingProgress progress)
    {
        Directory.CreateDirectory(Folder);
        string final = Path.Combine(Folder, Name(progress.Epoch));
        string temp = Path.Combine(Folder, $".{Name(progress.Epoch)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            AtomicFile.Write(Path.Combine(temp, "model.dat"), s =>
            {
                using BinaryWriter writer = new(s, System.Text.Encoding.UTF8, leaveOpen: true);
                model.save(writer);
            });
            AtomicFile.Write(Path.Combine(temp, "optimizer.dat"), s =>
            {
                using BinaryWriter writer = new(s, System.Text.Encoding.UTF8, leaveOpen: true);
                ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(writer);
            });
            AtomicFile.WriteAllText(Path.Combine(temp, "state.json"), JsonSerializer.Serialize(progress, Json));
            if (Directory.Exists(final))
            {
                Directory.Delete(final, recursive: true);
            }

            Directory.Move(temp, final);
            SyncFolder(Folder);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        foreach (string older in CompleteCheckpoints().Where(c => c.Epoch < progress.Epoch).Select(c => c.Path))
        {
            TryDelete(older);
        }

        foreach (string stale in Directory.EnumerateDirectories(Folder, ".epoch-*.tmp"))
        {
            TryDelete(stale);
        }
    }

    /// <summary>The newest complete checkpoint, or null when there is none.</summary>
    public (int Epoch, string Path)? Latest() =>
        CompleteCheckpoints().OrderByDescending(c => c.Epoch).Cast<(int, string)?>().FirstOrDefault();

    /// <summary>Restores model and optimizer from <paramref name="path"/>; returns its progress.</summary>
    public static TrainingProgress Restore(string path, Module model, torch.optim.Optimizer optimizer)
    {
        using (FileStream s = File.OpenRead(System.IO.Path.Combine(path, "model.dat")))
        using (BinaryReader reader = new(s))
        {
            model.load(reader);
        }

        using (FileStream s = File.OpenRead(System.IO.Path.Combine(path, "optimizer.dat")))
        using (BinaryReader reader = new(s))
        {
            ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(reader);
        }

        return ReadProgress(path);
    }

    /// <summary>Reads <c>state.json</c> of the checkpoint at <paramref name="path"/>.</summary>
    public static TrainingProgress ReadProgress(string path) =>
        JsonSerializer.Deserialize<TrainingProgress>(File.ReadAllText(System.IO.Path.Combine(path, "state.json")), Json)
        ?? throw new InvalidDataException($"{path}: empty state.json");

    private static string Name(int epoch) => Prefix + epoch.ToString("D4", CultureInfo.InvariantCulture);

    private IEnumerable<(int Epoch, string Path)> CompleteCheckpoints()
    {
        if (!Directory.Exists(Folder))
        {
            yield break;
        }

        foreach (string dir in Directory.EnumerateDirectories(Folder, Prefix + "*"))
        {
            string name = System.IO.Path.GetFileName(dir);
            if (int.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int epoch)
                && Files.All(f => File.Exists(System.IO.Path.Combine(dir, f))))
            {
                yield return (epoch, dir);
            }
        }
    }

    private static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(folder, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Some file systems cannot sync a folder; the files inside are already on disk.
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leftovers are ignored by Latest() and removed by the next commit.
        }
    }
}
