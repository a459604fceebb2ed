using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using Transfer.IO;
using static TorchSharp.torch.nn;

namespace Transfer.FineTuning.Checkpoints;

/// <summary>
/// The <c>checkpoints/</c> folder of a run. Each checkpoint is a folder <c>epoch-NNNN</c> (after epoch N) or
/// <c>epoch-NNNN-at-X</c> (written when the run was interrupted during epoch N, after X examples) holding
/// <c>model.dat</c> (TorchSharp format: parameters and buffers), <c>optimizer.dat</c> (TorchSharp optimizer
/// state, including every group's learning rate), <c>state.json</c> (<see cref="TrainingProgress"/>) and, when the
/// run keeps a weight average, <c>ema.safetensors</c>. Files are written, fsynced, in a hidden temp folder
/// which is then renamed into place: a checkpoint either exists whole or not at all, and anything else in
/// the folder (a temp folder left by <c>kill -9</c>) is ignored and cleaned up.
/// </summary>
internal sealed class CheckpointStore
{
    private const string Prefix = "epoch-";
    private static readonly string[] Files = ["model.dat", "optimizer.dat", "state.json"];

    /// <summary>The weight average (<c>finetune.ema</c>), beside the other files when the run keeps one.</summary>
    /// <summary>The weight average's file in a checkpoint of a run with <c>finetune.ema</c>.</summary>
    internal const string EmaFile = "ema.safetensors";

    /// <summary>Indented; a diverged run's NaN or infinite losses are written as "NaN", "Infinity" and read back exactly.</summary>
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public CheckpointStore(string folder)
    {
        Folder = folder;
    }

    /// <summary>The <c>checkpoints/</c> folder.</summary>
    public string Folder { get; }

    /// <summary>
    /// Writes the checkpoint of <paramref name="progress"/> (after its epoch, or inside the next one when
    /// <see cref="TrainingProgress.InEpoch"/> is set), commits it with one rename, removes older ones and
    /// returns its folder.
    /// </summary>
    public string Commit(Module model, torch.optim.Optimizer optimizer, TrainingProgress progress, Training.ModelEma? ema = null)
    {
        Directory.CreateDirectory(Folder);
        CheckpointName name = new(progress.Epoch, progress.InEpoch?.Examples);
        string final = Path.Combine(Folder, name.Text);
        string temp = Path.Combine(Folder, $".{name.Text}.{Guid.NewGuid():N}.tmp");
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
            ema?.Save(Path.Combine(temp, EmaFile));
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

        foreach (string older in CompleteCheckpoints().Where(c => c.Name.CompareTo(name) < 0).Select(c => c.Path))
        {
            TryDelete(older);
        }

        foreach (string stale in Directory.EnumerateDirectories(Folder, ".epoch-*.tmp"))
        {
            TryDelete(stale);
        }

        return final;
    }

    /// <summary>
    /// The newest complete checkpoint, or null when there is none; <c>Epoch</c> is the last epoch it
    /// completed (a checkpoint inside epoch N has completed N - 1).
    /// </summary>
    public (int Epoch, string Path)? Latest() =>
        CompleteCheckpoints().OrderByDescending(c => c.Name).Select(c => ((int, string)?)(c.Name.Completed, c.Path)).FirstOrDefault();

    /// <summary>Restores model, optimizer and weight average from <paramref name="path"/>; returns its progress.</summary>
    public static TrainingProgress Restore(string path, Module model, torch.optim.Optimizer optimizer, Training.ModelEma? ema = null)
    {
        string emaFile = System.IO.Path.Combine(path, EmaFile);
        if (ema is not null)
        {
            if (!File.Exists(emaFile))
            {
                throw new Transfer.Rules.Errors.RuleConfigException(
                    $"--resume: the checkpoint in {path} holds no {EmaFile}, so the run was not started with finetune.ema");
            }

            ema.Load(emaFile);
        }

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

    private IEnumerable<(CheckpointName Name, string Path)> CompleteCheckpoints()
    {
        if (!Directory.Exists(Folder))
        {
            yield break;
        }

        foreach (string dir in Directory.EnumerateDirectories(Folder, Prefix + "*"))
        {
            if (CheckpointName.TryParse(System.IO.Path.GetFileName(dir), out CheckpointName name)
                && Files.All(f => File.Exists(System.IO.Path.Combine(dir, f))))
            {
                yield return (name, dir);
            }
        }
    }

    /// <summary>
    /// A checkpoint folder's name: after epoch <c>Completed</c> (<c>epoch-NNNN</c>), or <c>Examples</c> into
    /// the next epoch (<c>epoch-NNNN-at-X</c> with N = Completed + 1). Ordered by training progress.
    /// </summary>
    private readonly record struct CheckpointName(int Completed, long? Examples) : IComparable<CheckpointName>
    {
        private const string At = "-at-";

        public string Text => Examples is { } x
            ? Prefix + (Completed + 1).ToString("D4", CultureInfo.InvariantCulture) + At + x.ToString(CultureInfo.InvariantCulture)
            : Prefix + Completed.ToString("D4", CultureInfo.InvariantCulture);

        public static bool TryParse(string text, out CheckpointName name)
        {
            name = default;
            string rest = text[Prefix.Length..];
            int at = rest.IndexOf(At, StringComparison.Ordinal);
            string epochText = at < 0 ? rest : rest[..at];
            if (!int.TryParse(epochText, NumberStyles.None, CultureInfo.InvariantCulture, out int epoch))
            {
                return false;
            }

            if (at < 0)
            {
                name = new CheckpointName(epoch, null);
                return true;
            }

            if (epoch < 1 || !long.TryParse(rest.AsSpan(at + At.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long examples))
            {
                return false;
            }

            name = new CheckpointName(epoch - 1, examples);
            return true;
        }

        public int CompareTo(CheckpointName other) =>
            (Completed + (Examples is null ? 0 : 1), Examples ?? long.MaxValue)
                .CompareTo((other.Completed + (other.Examples is null ? 0 : 1), other.Examples ?? long.MaxValue));
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
