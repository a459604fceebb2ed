namespace Transfer.Tests.FineTuning;

internal static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Transfer.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Transfer.sln not found above the test binaries");
    }
}
