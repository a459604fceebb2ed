using Microsoft.ML.OnnxRuntime;
using Onnx;
using TorchSharp;
using Transfer.Export;
using Transfer.Models;
using static TorchSharp.torch.nn;

namespace Transfer.Tests.Export;

/// <summary>What the exported file declares (IR, opset, input/output, initializer names, metadata) and the pre- and post-processing inside it.</summary>
public sealed class OnnxGraphTests
{
    [Fact]
    public void LeNet6_graph_has_IR_8_opset_17_a_dynamic_batch_and_initializers_named_by_state_dict_keys()
    {
        using torch.nn.Module model = new LeNet6();
        OnnxExportOptions options = new() { SourceSha256 = "ab12", ClassNames = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] };

        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxExporter.Export(model, options));

        Assert.Equal(8, proto.IrVersion);
        Assert.Equal(17, Assert.Single(proto.OpsetImport).Version);
        ValueInfoProto input = Assert.Single(proto.Graph.Input);
        Assert.Equal("input", input.Name);
        Assert.Equal((int)TensorProto.Types.DataType.Float, input.Type.TensorType.ElemType);
        Assert.Equal(["batch", "1", "28", "28"], input.Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        ValueInfoProto output = Assert.Single(proto.Graph.Output);
        Assert.Equal("output", output.Name);
        Assert.Equal(
            ModelSpecs.Of(model).Select(s => s.Name).Order(StringComparer.Ordinal),
            proto.Graph.Initializer.Select(i => i.Name).Order(StringComparer.Ordinal));
        Dictionary<string, string> metadata = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("ab12", metadata["transfer.source_sha256"]);
        Assert.Equal("""["a","b","c","d","e","f","g","h","i","j"]""", metadata["transfer.class_names"]);
        Assert.Equal(OnnxExporter.TransferVersion, metadata["transfer.version"]);
        Assert.Equal("Transfer", proto.ProducerName);
    }

    [Fact]
    public void ResNet18_initializers_are_its_state_dict_keys_except_the_batch_counters()
    {
        using torch.nn.Module model = new ResNet18(10, 1);

        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxExporter.Export(model, new OnnxExportOptions { Height = null, Width = null }));

        Assert.Equal(
            ModelSpecs.Of(model).Select(s => s.Name).Where(n => !n.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
            proto.Graph.Initializer.Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["batch", "1", "height", "width"], proto.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Uint8_input_graph_scales_and_normalizes_like_the_float_pipeline()
    {
        using torch.Generator generator = new(7);
        using LeNet5 model = OnnxTestRuns.Randomize(new LeNet5(), generator);
        using torch.Tensor pixels = torch.randint(0, 256, [4, 1, 28, 28], generator: generator).to_type(torch.uint8);
        OnnxExportOptions options = new() { Input = OnnxInputType.UInt8, Mean = [0.2860f], Std = [0.3530f] };

        byte[] graph = OnnxExporter.Export(model, options);
        using OrtValue feed = OrtValue.CreateTensorValueFromMemory(pixels.data<byte>().ToArray(), pixels.shape);
        (float[] actual, _) = OnnxTestRuns.Onnx<float>(graph, feed);

        using torch.Tensor normalized = pixels.to_type(torch.float32).div(255f).sub(0.2860f).div(0.3530f);
        double delta = OnnxTestRuns.MaxAbsDifference(OnnxTestRuns.Torch(model, normalized), actual);
        Assert.True(delta <= 1e-5, $"max |Δ| = {delta:E3}");
    }

    [Fact]
    public void Probs_output_is_the_softmax_and_label_output_is_the_int64_argmax_per_image()
    {
        using torch.Generator generator = new(8);
        using LeNet5 model = OnnxTestRuns.Randomize(new LeNet5(), generator);
        using torch.Tensor input = torch.rand([5, 1, 28, 28], generator: generator);
        using torch.Tensor logits = model.forward(input).detach();
        using torch.Tensor softmax = logits.softmax(1);

        float[] probs = OnnxTestRuns.Onnx(OnnxExporter.Export(model, new OnnxExportOptions { Output = OnnxOutputKind.Probabilities }), input);
        using OrtValue feed = OrtValue.CreateTensorValueFromMemory(input.data<float>().ToArray(), input.shape);
        (long[] labels, long[] shape) = OnnxTestRuns.Onnx<long>(OnnxExporter.Export(model, new OnnxExportOptions { Output = OnnxOutputKind.Label }), feed);

        Assert.True(OnnxTestRuns.MaxAbsDifference(softmax.data<float>().ToArray(), probs) <= 1e-6);
        Assert.Equal([5L], shape);
        Assert.Equal(logits.argmax(1).data<long>().ToArray(), labels);
    }

    [Fact]
    public void Unsupported_module_is_refused_naming_its_type_and_path()
    {
        using torch.nn.Module model = Sequential(("features", Sequential(Conv2d(1, 2, 3), ELU())), ("head", Flatten()));

        OnnxExportException error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(model, new OnnxExportOptions()));

        Assert.Equal("Cannot export module 'features.1' (ELU) to ONNX: it has no ONNX export; implement IOnnxExportable to export it.", error.Message);
    }

    [Fact]
    public void Circular_padding_is_refused_naming_the_conv()
    {
        using torch.nn.Module model = Sequential(("conv", Conv2d(1, 2, 3, padding: 1, padding_mode: TorchSharp.PaddingModes.Circular)), ("flat", Flatten()));

        OnnxExportException error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(model, new OnnxExportOptions()));

        Assert.Equal("Cannot export module 'conv' (Conv2d) to ONNX: padding mode Circular has no ONNX form at opset 17.", error.Message);
    }

    [Fact]
    public void Refused_export_leaves_an_existing_file_untouched()
    {
        string path = Path.Combine(TestFolders.New("onnx-refused"), "model.onnx");
        File.WriteAllText(path, "old");
        using torch.nn.Module model = Sequential(ELU(), Flatten());

        Assert.Throws<OnnxExportException>(() => OnnxExporter.Write(model, new OnnxExportOptions(), path));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["model.onnx"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void Bad_options_are_refused_all_at_once()
    {
        using torch.nn.Module model = new LeNet5();
        OnnxExportOptions options = new() { Opset = 18, Mean = [0.1f, 0.2f], Std = [0f] };

        OnnxExportException error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(model, options));

        Assert.Equal(
            "Cannot export to ONNX: opset 18 is not supported; use 13 to 17 (IR version 8); mean needs 1 value, not 2; std values must be finite and positive.",
            error.Message);
    }

    [Fact]
    public void Input_shape_the_model_rejects_is_a_one_line_error()
    {
        using torch.nn.Module model = new LeNet5();

        OnnxExportException error = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(model, new OnnxExportOptions { Height = 32, Width = 32 }));

        Assert.StartsWith("Cannot export LeNet5: it does not accept input [1, 1, 32, 32] (", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void User_module_exports_through_IOnnxExportable()
    {
        using torch.Generator generator = new(9);
        using torch.nn.Module<torch.Tensor, torch.Tensor> model = Sequential(("scale", new ChannelScale(2)), ("flat", Flatten()));
        OnnxTestRuns.Randomize(model, generator);
        using torch.Tensor input = torch.randn([3, 2, 4, 4], generator: generator);

        byte[] graph = OnnxExporter.Export(model, new OnnxExportOptions { Channels = 2, Height = 4, Width = 4 });

        Assert.Contains("scale.gain", ModelProto.Parser.ParseFrom(graph).Graph.Initializer.Select(i => i.Name));
        Assert.True(OnnxTestRuns.MaxAbsDifference(OnnxTestRuns.Torch(model, input), OnnxTestRuns.Onnx(graph, input)) <= 1e-6);
    }

    /// <summary>A user module: multiplies each channel by a learned gain.</summary>
    private sealed class ChannelScale : Module<torch.Tensor, torch.Tensor>, IOnnxExportable
    {
        private readonly TorchSharp.Modules.Parameter gain;

        public ChannelScale(long channels)
            : base(nameof(ChannelScale))
        {
            gain = new TorchSharp.Modules.Parameter(torch.ones(1, channels, 1, 1));
            RegisterComponents();
        }

        public override torch.Tensor forward(torch.Tensor input) => input.mul(gain);

        public string ExportOnnx(OnnxGraphBuilder graph, string input) => graph.Node("Mul", [input, graph.Parameter("gain", gain)]);
    }
}
