using TorchSharp;
using Transfer.Formats;
using static TorchSharp.torch;

namespace Transfer.Tests.Formats;

/// <summary>
/// A TorchSharp <c>Module.save</c> file's head is its LEB128 entry count and first name, which can look like a
/// pickle (128 to 640 entries: <c>0x80 0x01</c>..<c>0x05</c>), a legacy torch.save magic or a safetensors header:
/// such files still read exactly as TorchSharp files, and a file that reads completely both ways is refused.
/// </summary>
public sealed class TorchSharpLookalikeTests
{
    /// <summary>A module of <c>count</c> small float buffers, the first named with <c>firstName</c>.</summary>
    private sealed class Buffers : nn.Module
    {
        public Buffers(int count, string firstName)
            : base("Buffers")
        {
            for (int i = 0; i < count; i++)
            {
                register_buffer(i == 0 ? firstName : $"b{i}", torch.tensor(new[] { i + 0.25f, -i - 0.5f }));
            }
        }
    }

    [Theory]
    [InlineData(128, "first", new byte[] { 0x80, 0x01 })]
    [InlineData(256, "first", new byte[] { 0x80, 0x02 })]
    [InlineData(384, "first", new byte[] { 0x80, 0x03 })]
    [InlineData(512, "first", new byte[] { 0x80, 0x04 })]
    [InlineData(640, "first", new byte[] { 0x80, 0x05 })]
    [InlineData(256, "n138", new byte[] { 0x80, 0x02, 0x8a })] // a legacy torch.save magic's first bytes
    [InlineData(768, "n149", new byte[] { 0x80, 0x06, 0x95 })] // PROTO then FRAME: a pickle above protocol 5
    [InlineData(1, "layer1{0}", new byte[] { 0x01, 0x09, (byte)'l' })] // '{' at byte 8: a safetensors header
    public void A_TorchSharp_file_whose_head_looks_like_another_format_reads_exactly(int count, string firstName, byte[] head)
    {
        firstName = firstName switch
        {
            "n138" => new string('n', 138),
            "n149" => new string('n', 149),
            _ => firstName,
        };
        string path = Path.Combine(Fixture.TempFolder(), "model.dat");
        using Buffers module = new(count, firstName);
        module.save(path);
        Assert.Equal(head, File.ReadAllBytes(path)[..head.Length]);

        using Checkpoint checkpoint = CheckpointReader.Open(path);
        Assert.Equal("torchsharp", checkpoint.Format);
        var state = module.state_dict();
        Assert.Equal(state.Keys, checkpoint.Specs.Select(s => s.Name));
        foreach (CheckpointTensor tensor in checkpoint.Tensors)
        {
            using Tensor loaded = tensor.Load();
            Assert.Equal(ScalarType.Float32, loaded.dtype);
            Assert.Equal(state[tensor.Spec.Name].data<float>().ToArray(), loaded.data<float>().ToArray());
        }
    }

    [Fact]
    public void A_file_that_reads_completely_as_both_a_NumPy_pickle_and_a_TorchSharp_file_is_refused()
    {
        // As a pickle: PROTO 3, EMPTY_DICT, 'junk': BINBYTES of 4096 bytes, SETITEM, then a real NumPy pickle
        // (detectron2's {'model': {...}, ...}) from its first BINPUT on, filling the same dict.
        // As TorchSharp: 384 entries (0x80 0x03); the first name is 125 ('}') bytes long and ends inside the
        // BINBYTES payload, which holds the other entries; the last entry's uint8 data runs to the end.
        byte[] numpy = File.ReadAllBytes(Fixture.Path_("numpy/lenet5_p3_detectron2.pkl"));
        Assert.Equal([0x80, 0x03, (byte)'}', (byte)'q', 0], numpy[..5]);
        byte[] tail = [(byte)'s', .. numpy[3..]];
        const int PayloadLength = 4096;
        List<byte> entries = [];
        for (int i = 1; i < 383; i++)
        {
            entries.AddRange([4, (byte)'e', (byte)((i / 100) + '0'), (byte)((i / 10 % 10) + '0'), (byte)((i % 10) + '0'), 0, 0]); // uint8 scalar
            entries.Add(0);
        }

        entries.AddRange([4, (byte)'l', (byte)'a', (byte)'s', (byte)'t', 0, 1, .. Leb128(tail.Length)]);
        int padding = PayloadLength - 111 - 2 - 2 - entries.Count; // entry 0's uint8 data, after a 2-byte varint
        Assert.Equal(2, Leb128(padding).Length);
        byte[] payload = [.. Enumerable.Repeat((byte)'n', 111), 0, 1, .. Leb128(padding), .. Enumerable.Repeat((byte)7, padding), .. entries];
        Assert.Equal(PayloadLength, payload.Length);
        byte[] bytes = [0x80, 0x03, (byte)'}', (byte)'X', 4, 0, 0, 0, .. "junk"u8, (byte)'B', 0, 0x10, 0, 0, .. payload, .. tail];
        string path = Path.Combine(Fixture.TempFolder(), "both.pkl");
        File.WriteAllBytes(path, bytes);

        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(path));
        Assert.Equal($"{path}: the file reads completely both as a TorchSharp Module.save file of 384 tensors and as a pickle of NumPy arrays; Transfer does not guess which it is, so re-save it with the tool that wrote it (as safetensors, say)", e.Message);
    }

    private static byte[] Leb128(int value)
    {
        List<byte> bytes = [];
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
