using System.Diagnostics;
using Transfer.IO;

namespace Transfer.Tests.IO;

/// <summary>
/// Temp files are recognisable as Transfer's (<c>.&lt;name&gt;.&lt;pid&gt;.&lt;random&gt;.transfer-tmp</c>), and a
/// write removes the temps a killed writer left for the same output, never a live writer's.
/// </summary>
public sealed class AtomicFileTests
{
    private static int DeadPid()
    {
        using Process exited = Process.Start("true");
        exited.WaitForExit();
        return exited.Id;
    }

    private static string Temp(string folder, string output, int pid, string random = "0123456789abcdef0123456789abcdef")
    {
        string path = Path.Combine(folder, $".{output}.{pid}.{random}.transfer-tmp");
        File.WriteAllText(path, "half-written");
        return path;
    }

    [Fact]
    public void While_writing_the_only_temp_is_named_for_the_output_and_this_process()
    {
        string folder = TestFolders.New("atomic");
        string[] during = [];
        AtomicFile.Write(Path.Combine(folder, "out.pt"), s =>
        {
            during = Directory.GetFiles(folder).Select(Path.GetFileName).ToArray()!;
            s.WriteByte(1);
        });
        string temp = Assert.Single(during);
        Assert.Matches($@"^\.out\.pt\.{Environment.ProcessId}\.[0-9a-f]{{32}}\.transfer-tmp$", temp);
        Assert.Equal(["out.pt"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_write_removes_stale_temps_of_its_output_only_and_never_a_live_or_locked_one()
    {
        string folder = TestFolders.New("atomic");
        int dead = DeadPid();
        using Process sleeper = Process.Start("sleep", ["60"]);
        try
        {
            string stale = Temp(folder, "out.pt", dead);
            string locked = Temp(folder, "out.pt", dead, "fedcba9876543210fedcba9876543210");
            string live = Temp(folder, "out.pt", sleeper.Id);
            string otherOutput = Temp(folder, "other.pt", dead);
            string notOurs = Path.Combine(folder, $".out.pt.{dead}.notes.transfer-tmp");
            File.WriteAllText(notOurs, "x");
            using FileStream writer = new(locked, FileMode.Open, FileAccess.Write, FileShare.None);

            AtomicFile.WriteAllText(Path.Combine(folder, "out.pt"), "new");

            Assert.False(File.Exists(stale));
            Assert.Equal(
                new[] { "out.pt", Path.GetFileName(locked), Path.GetFileName(live), Path.GetFileName(otherOutput), Path.GetFileName(notOurs) }.Order(StringComparer.Ordinal),
                Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal("new", File.ReadAllText(Path.Combine(folder, "out.pt")));
        }
        finally
        {
            sleeper.Kill();
            sleeper.WaitForExit();
        }
    }
}
