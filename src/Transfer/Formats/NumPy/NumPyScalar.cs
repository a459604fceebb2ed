namespace Transfer.Formats.NumPy;

/// <summary>
/// A NumPy scalar of a dtype Transfer does not read (<c>numpy.complex64(1)</c>), kept inert: never metadata, never
/// a tensor. Scalars of the dtypes it reads become the plain numbers they print as, and a <c>numpy.str_</c> its string.
/// </summary>
internal sealed record NumPyScalar(string DType);
