using System.Text.Json;

namespace Transfer.Tests.Formats;

/// <summary>Paths of the committed fixtures and what PyTorch wrote down about them in manifest.json.</summary>
internal static class Fixture
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "Formats", "Fixtures");

    public static string Path_(string name) => Path.Combine(Folder, name);

    public static string Bad(string name) => Path.Combine(Folder, "malicious", name);

    public static JsonElement Manifest { get; } = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "manifest.json"))).RootElement;

    public static IReadOnlyList<ExpectedTensor> Expected(string file) =>
        [.. Manifest.GetProperty(file).GetProperty("tensors").EnumerateArray().Select(t => new ExpectedTensor(
            t.GetProperty("name").GetString()!,
            t.GetProperty("dtype").GetString()!,
            [.. t.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64())],
            t.TryGetProperty("sha256", out JsonElement sha) ? sha.GetString() : null))];

    /// <summary>A fresh empty folder under the system temp folder for one test.</summary>
    public static string TempFolder() => TestFolders.New("formats");
}

internal sealed record ExpectedTensor(string Name, string DType, long[] Shape, string? Sha256);
