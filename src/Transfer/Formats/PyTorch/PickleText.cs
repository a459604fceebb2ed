namespace Transfer.Formats.PyTorch;

/// <summary>
/// A long BINUNICODE string of a bare pickle left in its file: where its UTF-8 bytes start and how many there are.
/// Protocol 2 from Python 3 pickles bytes as <c>_codecs.encode(text, 'latin1')</c>, so such a string is an
/// array's data, decoded only when the array is read instead of held in memory while the pickle is.
/// </summary>
internal sealed record PickleText(long FileOffset, long Length);
