namespace Transfer.Export;

/// <summary>What the exported graph's <c>input</c> takes.</summary>
public enum OnnxInputType
{
    /// <summary>float32 <c>[N, C, H, W]</c> pixels scaled to [0, 1]; <c>mean</c>/<c>std</c>, when given, are applied inside the graph.</summary>
    Float,

    /// <summary>Raw uint8 <c>[N, C, H, W]</c> pixels; the graph casts, divides by 255 and applies <c>mean</c>/<c>std</c>.</summary>
    UInt8,
}
