using System.Collections.Concurrent;

namespace Transfer.Data.Images;

/// <summary>An image of the folder that decoded: its file, label and upright size and channels.</summary>
/// <param name="Path">The file.</param>
/// <param name="Label">The class index (the position of its folder among the sorted class names).</param>
/// <param name="Width">Width after EXIF orientation.</param>
/// <param name="Height">Height after EXIF orientation.</param>
/// <param name="Channels">1 for a grayscale source, 3 for a colour one.</param>
internal sealed record ImageEntry(string Path, int Label, int Width, int Height, int Channels);

/// <summary>An image file that could not be read, and why (the one-line, escaped reason).</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">What is wrong with it.</param>
internal sealed record BadImage(string Path, string Reason)
{
    /// <summary><c>file: reason</c> on one line, control characters escaped.</summary>
    public override string ToString() => Transfer.Rules.Errors.MessageText.Escape($"{Path}: {Reason}");
}

/// <summary>
/// An image folder checked before a run uses it: <c>train/&lt;class&gt;/</c> (and <c>val/&lt;class&gt;/</c> when
/// present) listed in ordinal order, classes from train/'s sub-folder names sorted ordinally, and every image
/// decoded once in full on <c>workers</c> threads — a header probe would miss the commonest corruption, a
/// truncated file, so the check costs one decoding pass over the data (see bench/Loader.Bench). Images that
/// fail are collected as <see cref="Bad"/>, never thrown; a folder that is not an image folder at all is a
/// <see cref="DataFormatException"/>.
/// </summary>
internal sealed record ImageFolderScan(
    string Root, IReadOnlyList<string> Classes, IReadOnlyList<ImageEntry> Train, IReadOnlyList<ImageEntry>? Val, IReadOnlyList<BadImage> Bad)
{
    /// <summary>Lists and decodes the folder at <paramref name="root"/>.</summary>
    public static ImageFolderScan Run(string root, int workers, CancellationToken cancellation = default)
    {
        string trainDir = Path.Combine(root, "train");
        string valDir = Path.Combine(root, "val");
        if (!Directory.Exists(trainDir))
        {
            throw new DataFormatException(trainDir, "missing: an image folder needs train/<class>/ sub-folders (and optionally val/<class>/)");
        }

        List<string> classes = [.. Directory.GetDirectories(trainDir).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)];
        if (classes.Count == 0)
        {
            throw new DataFormatException(trainDir, "has no class sub-folders");
        }

        bool hasVal = Directory.Exists(valDir);
        if (hasVal && Directory.GetDirectories(valDir).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal)
            .FirstOrDefault(c => !classes.Contains(c)) is { } extra)
        {
            throw new DataFormatException(Path.Combine(valDir, extra), "is a class that train/ does not have");
        }

        List<(string Path, int Label)> trainFiles = Files(trainDir, classes);
        List<(string Path, int Label)> valFiles = hasVal ? Files(valDir, classes) : [];
        if (trainFiles.Count == 0)
        {
            throw new DataFormatException(trainDir, $"has no images ({string.Join(", ", ImageDecoder.Extensions)})");
        }

        List<(string Path, int Label)> all = [.. trainFiles, .. valFiles];
        ImageEntry?[] entries = new ImageEntry?[all.Count];
        ConcurrentDictionary<int, BadImage> bad = new();
        Parallel.For(0, all.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers), CancellationToken = cancellation }, i =>
        {
            try
            {
                RawImage image = ImageDecoder.Decode(all[i].Path);
                entries[i] = new ImageEntry(all[i].Path, all[i].Label, image.Width, image.Height, image.Channels);
            }
            catch (DataFormatException e)
            {
                bad[i] = new BadImage(all[i].Path, e.Problem);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                bad[i] = new BadImage(all[i].Path, e.Message);
            }
        });

        List<ImageEntry> train = [.. entries.Take(trainFiles.Count).OfType<ImageEntry>()];
        List<ImageEntry> val = [.. entries.Skip(trainFiles.Count).OfType<ImageEntry>()];
        return new ImageFolderScan(root, classes, train, hasVal ? val : null, [.. bad.OrderBy(b => b.Key).Select(b => b.Value)]);
    }

    private static List<(string Path, int Label)> Files(string split, IReadOnlyList<string> classes)
    {
        List<(string Path, int Label)> files = [];
        for (int label = 0; label < classes.Count; label++)
        {
            string dir = Path.Combine(split, classes[label]);
            if (Directory.Exists(dir))
            {
                files.AddRange(Directory.GetFiles(dir)
                    .Where(f => ImageDecoder.Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal)
                    .Select(f => (f, label)));
            }
        }

        return files;
    }
}
