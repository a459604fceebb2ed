using System.Text;
using System.Text.Json;
using TorchSharp;
using Transfer.IO;
using static TorchSharp.torch.nn;

namespace Transfer.FineTuning;

/// <summary>
/// Writes a model's state dict (parameters and buffers, in model order) as a safetensors file, atomically.
/// Interim: to be replaced by <c>Transfer.Formats.CheckpointWriter</c> when the formats branch lands.
/// </summary>
internal static class WeightsFile
{
    public static void Write(string path, Module model)
    {
        List<(string Name, torch.Tensor Tensor)> tensors = [];
        using DisposeScope scope = torch.NewDisposeScope();
        foreach ((string name, torch.Tensor t) in model.state_dict())
        {
            tensors.Add((name, t.detach().cpu().contiguous()));
        }

        Dictionary<string, object> header = new(StringComparer.Ordinal);
        long offset = 0;
        List<byte[]> data = [];
        foreach ((string name, torch.Tensor t) in tensors)
        {
            byte[] bytes = t.bytes.ToArray();
            header[name] = new { dtype = DType(t.dtype), shape = t.shape, data_offsets = new[] { offset, offset + bytes.Length } };
            offset += bytes.Length;
            data.Add(bytes);
        }

        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, s =>
        {
            s.Write(BitConverter.GetBytes((ulong)padded));
            s.Write(json);
            for (int i = json.Length; i < padded; i++)
            {
                s.WriteByte((byte)' ');
            }

            foreach (byte[] bytes in data)
            {
                s.Write(bytes);
            }
        });
    }

    private static string DType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => "F32",
        torch.ScalarType.Float64 => "F64",
        torch.ScalarType.Float16 => "F16",
        torch.ScalarType.BFloat16 => "BF16",
        torch.ScalarType.Int64 => "I64",
        torch.ScalarType.Int32 => "I32",
        torch.ScalarType.Int16 => "I16",
        torch.ScalarType.Int8 => "I8",
        torch.ScalarType.Byte => "U8",
        torch.ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors has no dtype for {type}"),
    };
}
