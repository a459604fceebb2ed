using Transfer.Formats;
using Transfer.Formats.PyTorch;

namespace Transfer.Tests.Formats;

/// <summary>Memo slots read back what was last put in them, whether numbered in order (as pickle does) or not.</summary>
public sealed class UnpicklerMemoTests
{
    [Fact]
    public void Memo_slots_in_order_out_of_order_and_overwritten_read_back_their_last_value()
    {
        byte[] pickle =
        [
            0x80, 2, (byte)']',
            (byte)'K', 7, (byte)'q', 0, (byte)'a', (byte)'h', 0, (byte)'a', // slot 0 = 7, in order
            (byte)'K', 9, (byte)'q', 0, (byte)'a', (byte)'h', 0, (byte)'a', // slot 0 overwritten with 9
            (byte)'K', 5, (byte)'r', 0xe8, 3, 0, 0, (byte)'a', (byte)'j', 0xe8, 3, 0, 0, (byte)'a', // slot 1000, out of order
            (byte)'K', 6, (byte)'q', 1, (byte)'a', (byte)'h', 1, (byte)'a', // slot 1 after slot 1000
            (byte)'.',
        ];
        string path = Path.Combine(Fixture.TempFolder(), "memo.pkl");
        File.WriteAllBytes(path, pickle);
        using TensorFile file = new(path);
        object value = Unpickler.Load(path, new PickleInput(file, 0, file.Length));
        Assert.Equal([7L, 7L, 9L, 9L, 5L, 5L, 6L, 6L], Assert.IsType<List<object>>(value));
    }

    [Fact]
    public void Reading_a_memo_slot_never_written_is_refused()
    {
        byte[] pickle = [0x80, 2, (byte)'K', 1, (byte)'q', 0, (byte)'h', 2, (byte)'.'];
        string path = Path.Combine(Fixture.TempFolder(), "memo.pkl");
        File.WriteAllBytes(path, pickle);
        using TensorFile file = new(path);
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => Unpickler.Load(path, new PickleInput(file, 0, file.Length)));
        Assert.Equal("data.pkl: memo slot 2 read at offset 6 was never written", e.Problem);
    }
}
