using SkiaSharp;
using TorchSharp;
using Transfer.Cli.Commands;
using Transfer.Export;
using Transfer.Models;

namespace Transfer.Tests.Export;

/// <summary><c>transfer predict</c>: the label and class name TorchSharp gives the same pixels, for PGM and PNG files.</summary>
public sealed class PredictTests
{
    private static readonly string[] Names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    [Fact]
    public void Predict_prints_the_label_and_class_name_TorchSharp_gives_each_image()
    {
        string folder = TestFolders.New("predict");
        using torch.Generator generator = new(51);
        using LeNet5 model = OnnxTestRuns.Randomize(new LeNet5(), generator);
        string onnx = Path.Combine(folder, "lenet5.onnx");
        OnnxExporter.Write(model, new OnnxExportOptions { Input = OnnxInputType.UInt8, Output = OnnxOutputKind.Label, ClassNames = Names }, onnx);
        using torch.Tensor pixels = torch.randint(0, 256, [2, 1, 28, 28], generator: generator).to_type(torch.uint8);
        byte[] all = pixels.data<byte>().ToArray();
        string pgm = Path.Combine(folder, "a.pgm");
        File.WriteAllBytes(pgm, [.. "P5\n28 28\n255\n"u8.ToArray(), .. all.AsSpan(0, 784)]);
        string png = Path.Combine(folder, "b.png");
        WritePng(png, all.AsSpan(784, 784).ToArray());
        using torch.Tensor input = pixels.to_type(torch.float32).div(255f);
        long[] expected = model.forward(input).argmax(1).data<long>().ToArray();
        StringWriter stdout = new();

        int code = CommandErrors.Run(() => PredictCommand.Run(onnx, [pgm, png], stdout));

        Assert.Equal(0, code);
        Assert.Equal($"{pgm}: {expected[0]} ({Names[expected[0]]})\n{png}: {expected[1]} ({Names[expected[1]]})\n", stdout.ToString());
    }

    [Fact]
    public void Image_of_another_size_is_refused_not_resized()
    {
        string folder = TestFolders.New("predict-size");
        using LeNet5 model = new();
        string onnx = Path.Combine(folder, "lenet5.onnx");
        OnnxExporter.Write(model, new OnnxExportOptions(), onnx);
        string pgm = Path.Combine(folder, "small.pgm");
        File.WriteAllBytes(pgm, [.. "P5\n4 4\n255\n"u8.ToArray(), .. new byte[16]]);
        StringWriter stderr = new();

        int code = CommandErrors.Run(() => PredictCommand.Run(onnx, [pgm], new StringWriter()), stderr);

        Assert.Equal(2, code);
        Assert.Contains($"is 4×4 but {onnx} takes 28×28 images (images are not resized)", stderr.ToString(), StringComparison.Ordinal);
    }

    private static void WritePng(string path, byte[] grey)
    {
        using SKBitmap bitmap = new(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        grey.CopyTo(bitmap.GetPixelSpan());
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }
}
