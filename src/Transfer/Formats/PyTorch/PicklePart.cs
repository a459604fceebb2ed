namespace Transfer.Formats.PyTorch;

/// <summary>
/// Which pickle of which file the <see cref="Unpickler"/> is reading (<c>data.pkl</c>, a legacy file's
/// "storage key list", a bare "pickle"), so that every refusal names both.
/// </summary>
internal sealed record PicklePart(string Path, string Name)
{
    /// <summary>The one-line error for <paramref name="problem"/> in this pickle.</summary>
    public CheckpointFormatException Error(string problem) => new(Path, $"{Name}: {problem}");
}
