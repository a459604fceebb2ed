namespace Transfer.Data.Images;

/// <summary>
/// A decoded image as the file holds it after EXIF orientation: rows of interleaved 8-bit samples (HWC),
/// one channel for grayscale sources, three for colour ones (alpha dropped, as PIL's <c>convert("RGB")</c>
/// does), with the file's maximum sample value (255 except for Netpbm files that say otherwise).
/// </summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="Channels">1 (grayscale) or 3 (RGB).</param>
/// <param name="MaxValue">The sample value that means full intensity.</param>
/// <param name="Pixels">Width × Height × Channels samples, row by row.</param>
internal sealed record RawImage(int Width, int Height, int Channels, int MaxValue, byte[] Pixels);
