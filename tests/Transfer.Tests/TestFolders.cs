namespace Transfer.Tests;

/// <summary>
/// Fresh folders for tests, all under one temp folder per test run that is deleted when the run ends, so
/// test runs leave nothing behind in the system temp folder.
/// </summary>
internal static class TestFolders
{
    private static readonly Lazy<string> Root = new(() =>
    {
        string root = Directory.CreateTempSubdirectory("transfer-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Delete(root);
        return root;
    });

    /// <summary>A new empty folder named after <paramref name="purpose"/>.</summary>
    public static string New(string purpose) =>
        Directory.CreateDirectory(Path.Combine(Root.Value, $"{purpose}-{Guid.NewGuid():N}")).FullName;

    private static void Delete(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file still open at exit keeps its folder; the OS temp cleaner takes the rest.
        }
    }
}
