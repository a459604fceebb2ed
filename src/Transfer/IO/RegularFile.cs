using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Transfer.IO;

/// <summary>
/// Tells a regular file (or a symlink to one) from things that only look like files to a path check: a named
/// pipe, whose open or read waits for a writer forever; a character device such as <c>/dev/zero</c>, which
/// never ends; a socket or a directory. Every reader asks before it opens, so such an input is refused at
/// once instead of blocking. Linux asks the kernel (<c>statx</c>); elsewhere, or if the call is unavailable,
/// the answer is "regular" and the open that follows reports any error.
/// </summary>
internal static partial class RegularFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 1;

    /// <summary>Null for a regular file (after following symlinks); otherwise what the path is, e.g. "a named pipe (FIFO)".</summary>
    public static string? WhatElse(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        int mode;
        try
        {
            unsafe
            {
                byte* buffer = stackalloc byte[256];
                if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0)
                {
                    return null;
                }

                // struct statx: stx_mode is the u16 at byte 28 on every architecture.
                mode = BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(buffer + 28, 2)) & 0xF000;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }

        return mode switch
        {
            0x8000 => null,
            0x1000 => "a named pipe (FIFO)",
            0x2000 => "a character device",
            0x4000 => "a directory",
            0x6000 => "a block device",
            0xC000 => "a socket",
            _ => "a special file",
        };
    }

    /// <summary>The one-line problem for a path that is not a regular file, or null when it is one.</summary>
    public static string? Problem(string path) =>
        WhatElse(path) is string what ? $"is {what}, not a regular file; Transfer reads only regular files" : null;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);
}
