namespace Transfer.Data.Idx;

/// <summary>
/// Finds Fashion-MNIST: the directory the user named, else the Debian package's copy
/// (<c>/usr/share/datasets/fashion-mnist</c>), else the small subset committed with the LeNet5to6 example
/// (copied to <c>data/</c> beside the running program), so the example runs on any machine.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the full set.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The four IDX gz file names every Fashion-MNIST directory holds.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
    [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
    ];

    /// <summary>Picks a data directory and loads its train and test splits.</summary>
    /// <param name="dataDir">A directory the user asked for; when given, it must hold the four files.</param>
    /// <exception cref="DataFormatException">A file is missing or malformed.</exception>
    public static FashionMnistData Locate(string? dataDir = null)
    {
        (string directory, string description) = Choose(dataDir);
        LabeledTensors train = IdxDataset.Load(
            Path.Combine(directory, FileNames[0]), Path.Combine(directory, FileNames[1]));
        try
        {
            LabeledTensors test = IdxDataset.Load(
                Path.Combine(directory, FileNames[2]), Path.Combine(directory, FileNames[3]));
            return new FashionMnistData(
                $"{description} {directory} ({train.Count} train, {test.Count} test)", train, test);
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>The directory <see cref="Locate"/> reads for <paramref name="dataDir"/>.</summary>
    /// <exception cref="DataFormatException">No directory holds the data.</exception>
    internal static string DataDirectory(string? dataDir) => Choose(dataDir).Directory;

    /// <summary>Why <see cref="Locate"/> would find no data for <paramref name="dataDir"/>, without reading any; null when it would.</summary>
    internal static string? Missing(string? dataDir)
    {
        string directory;
        try
        {
            directory = Choose(dataDir).Directory;
        }
        catch (DataFormatException e)
        {
            return e.Message;
        }

        if (!Directory.Exists(directory))
        {
            return $"{directory} does not exist";
        }

        List<string> absent = FileNames.Where(name => !File.Exists(Path.Combine(directory, name))).ToList();
        return absent.Count == 0 ? null : $"{directory} lacks {string.Join(", ", absent)}";
    }

    private static (string Directory, string Description) Choose(string? dataDir)
    {
        if (!string.IsNullOrEmpty(dataDir))
        {
            return (Path.GetFullPath(dataDir), "Fashion-MNIST from the given folder");
        }

        if (HoldsAll(SystemDirectory))
        {
            return (SystemDirectory, "full Fashion-MNIST from");
        }

        string subset = Path.Combine(AppContext.BaseDirectory, "data");
        if (HoldsAll(subset))
        {
            return (subset, "committed Fashion-MNIST subset from");
        }

        throw new DataFormatException(
            SystemDirectory,
            $"Fashion-MNIST not found here nor in {subset}; install dataset-fashion-mnist, or name a folder holding the four IDX files (the example's --data DIR, a run config's data.path).");
    }

    private static bool HoldsAll(string directory) =>
        FileNames.All(name => File.Exists(Path.Combine(directory, name)));
}
