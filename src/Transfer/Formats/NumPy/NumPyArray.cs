using Transfer.Formats.PyTorch;

namespace Transfer.Formats.NumPy;

/// <summary>
/// An ndarray as a pickle rebuilds it: <c>_reconstruct(ndarray, (0,), b'b')</c> makes an empty one that a BUILD
/// fills with <c>(1, shape, dtype, is_fortran, data)</c>; protocol 5 writes <c>_frombuffer(data, dtype, shape,
/// order)</c> instead. The data is bytes left in the file (<see cref="PickleBytes"/>), latin-1 text left in the file
/// (<see cref="Latin1Text"/>: protocol 2 from Python 3 writes <c>_codecs.encode(text, 'latin1')</c>), or bytes
/// decoded from the pickle (short texts, Python 2's short strings).
/// Shape, dtype and size are checked when the state dict is assembled, where the array's name is known.
/// </summary>
internal sealed class NumPyArray
{
    /// <summary>The dtype, null until built.</summary>
    public NumPyDType? DType { get; private set; }

    /// <summary>The shape as the pickle gives it (checked later).</summary>
    public long[] Shape { get; private set; } = [];

    /// <summary>True when the data is in Fortran (column-major) order.</summary>
    public bool Fortran { get; private set; }

    /// <summary>A <see cref="PickleBytes"/>, a <see cref="Latin1Text"/> or a byte array; null until built.</summary>
    public object? Data { get; private set; }

    /// <summary>How many bytes the data holds.</summary>
    public long DataLength => Data switch
    {
        PickleBytes inFile => inFile.Length,
        byte[] bytes => bytes.Length,
        Latin1Text text => text.Length,
        _ => 0,
    };

    public bool IsBuilt => Data is not null;

    public void Set(NumPyDType dtype, long[] shape, bool fortran, object data)
    {
        DType = dtype;
        Shape = shape;
        Fortran = fortran;
        Data = data;
    }
}
