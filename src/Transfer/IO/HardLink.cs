using System.Runtime.InteropServices;

namespace Transfer.IO;

/// <summary>Hard links (a second name for the same file, no bytes copied), where the OS and file system have them.</summary>
internal static partial class HardLink
{
    /// <summary>
    /// Gives the file at <paramref name="existing"/> the second name <paramref name="link"/> (which must not exist).
    /// A symbolic link is linked as the link itself, not its target. False when hard links are not available here
    /// (Windows, a file system without them, no permission); nothing is created then.
    /// </summary>
    public static bool TryCreate(string existing, string link) =>
        (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()) && Link(existing, link) == 0;

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string link);
}
