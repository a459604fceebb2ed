using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using Transfer.IO;

namespace Transfer.Export;

/// <summary>
/// Exports a TorchSharp model to ONNX (IR version 8): input <c>input</c> <c>[batch, C, H, W]</c> with the
/// preprocessing of <see cref="OnnxExportOptions"/> inside the graph, the model's eval-mode forward pass
/// with its parameters as initializers named by their state-dict keys, and output <c>output</c>
/// (logits, probabilities or labels). Supported: TorchSharp's Conv2d, Linear, BatchNorm1d/2d, pooling,
/// Flatten, Dropout, Softmax, the common activations, Sequential, Transfer's built-in models, and any
/// module implementing <see cref="IOnnxExportable"/>.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX IR version written, readable by onnx 1.12 and every current runtime.</summary>
    public const long IrVersion = 8;

    /// <summary>The graph's input name.</summary>
    public const string InputName = "input";

    /// <summary>The graph's output name.</summary>
    public const string OutputName = "output";

    /// <summary>Size used for a dynamic height or width when the model is run once to learn its output shape.</summary>
    private const int ProbeSize = 224;

    /// <summary>The serialized ONNX model.</summary>
    /// <exception cref="OnnxExportException">An option is invalid, the model rejects the input shape, or a module has no ONNX form.</exception>
    public static byte[] Export(torch.nn.Module model, OnnxExportOptions options) => Build(model, options).ToByteArray();

    /// <summary>Exports to <paramref name="path"/> atomically: the old file stays whole until the new one is complete.</summary>
    /// <exception cref="OnnxExportException">As <see cref="Export"/>; nothing is written then.</exception>
    public static void Write(torch.nn.Module model, OnnxExportOptions options, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = Export(model, options);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>Writes bytes <see cref="Export"/> returned (after verifying them, say) to <paramref name="path"/> atomically.</summary>
    public static void WriteFile(string path, byte[] exported)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(exported);
        AtomicFile.WriteAllBytes(path, exported);
    }

    /// <summary>The version of Transfer recorded in every exported model.</summary>
    public static string TransferVersion =>
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString()
            ?? "unknown";

    internal static ModelProto Build(torch.nn.Module model, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new OnnxExportException($"Cannot export to ONNX: {string.Join("; ", problems)}.");
        }

        long classes = ClassCount(model, options);
        if (classes == 1 && options.Output != OnnxOutputKind.Logits)
        {
            throw new OnnxExportException(
                $"Cannot export to ONNX: output {(options.Output == OnnxOutputKind.Label ? "label" : "probs")} takes an argmax or softmax over classes, which a one-logit (bce) head does not have; use output logits.");
        }

        GraphProto graph = new() { Name = model.GetType().Name };
        graph.Input.Add(ValueInfo(InputName, options.Input == OnnxInputType.UInt8 ? TensorProto.Types.DataType.Uint8 : TensorProto.Types.DataType.Float, InputDims(options)));
        OnnxGraphBuilder builder = new(graph, options.Opset);
        string x = Preprocess(builder, options);
        x = ModuleExport.Emit(builder, model, x);
        switch (options.Output)
        {
            case OnnxOutputKind.Label:
                builder.NamedNode("ArgMax", x, OutputName, OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
                graph.Output.Add(ValueInfo(OutputName, TensorProto.Types.DataType.Int64, [Dimension("batch")]));
                break;
            case OnnxOutputKind.Probabilities:
                builder.NamedNode("Softmax", x, OutputName, OnnxAttribute.Int("axis", 1));
                graph.Output.Add(ValueInfo(OutputName, TensorProto.Types.DataType.Float, [Dimension("batch"), Dimension(classes)]));
                break;
            default:
                builder.NamedNode("Identity", x, OutputName);
                graph.Output.Add(ValueInfo(OutputName, TensorProto.Types.DataType.Float, [Dimension("batch"), Dimension(classes)]));
                break;
        }

        ModelProto proto = new()
        {
            IrVersion = IrVersion,
            ProducerName = "Transfer",
            ProducerVersion = TransferVersion,
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = options.Opset });
        AddMetadata(proto, options, classes);
        return proto;
    }

    /// <summary>Cast and /255 for uint8 input, then −mean and /std when given.</summary>
    private static string Preprocess(OnnxGraphBuilder graph, OnnxExportOptions options)
    {
        string x = InputName;
        if (options.Input == OnnxInputType.UInt8)
        {
            x = graph.Node("Cast", [x], OnnxAttribute.Int("to", (long)TensorProto.Types.DataType.Float));
            x = graph.Node("Div", [x, graph.Constant("pixel_scale", [255f])]);
        }

        if (options.Statistic(options.Mean) is var (mean, meanShape))
        {
            x = graph.Node("Sub", [x, graph.Constant("mean", mean, meanShape)]);
        }

        if (options.Statistic(options.Std) is var (std, stdShape))
        {
            x = graph.Node("Div", [x, graph.Constant("std", std, stdShape)]);
        }

        return x;
    }

    /// <summary>Runs the model once on zeros to check it takes the input shape and yields <c>[1, classes]</c>.</summary>
    private static long ClassCount(torch.nn.Module model, OnnxExportOptions options)
    {
        long[] shape = [1, options.Channels, options.Height ?? ProbeSize, options.Width ?? ProbeSize];
        bool training = model.training;
        try
        {
            model.eval();
            using IDisposable noGrad = torch.no_grad();
            using DisposeScope scope = torch.NewDisposeScope();
            torch.Tensor input = torch.zeros(shape);
            torch.Tensor output = model is torch.nn.Module<torch.Tensor, torch.Tensor> forward
                ? forward.forward(input)
                : throw new OnnxExportException($"Cannot export {model.GetType().Name}: its forward pass does not take and return one tensor.");
            if (output.dim() != 2)
            {
                throw new OnnxExportException(
                    $"Cannot export {model.GetType().Name}: its output for input [{string.Join(", ", shape)}] is [{string.Join(", ", output.shape)}], not [N, classes].");
            }

            return output.shape[1];
        }
        catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new OnnxExportException(
                $"Cannot export {model.GetType().Name}: it does not accept input [{string.Join(", ", shape)}] ({OneLine(e.Message)}); set the input shape to what it was trained on.", e);
        }
        finally
        {
            model.train(training);
        }
    }

    private static IEnumerable<TensorShapeProto.Types.Dimension> InputDims(OnnxExportOptions options) =>
    [
        Dimension("batch"),
        Dimension(options.Channels),
        options.Height is int h ? Dimension(h) : Dimension("height"),
        options.Width is int w ? Dimension(w) : Dimension("width"),
    ];

    private static void AddMetadata(ModelProto proto, OnnxExportOptions options, long classes)
    {
        void Add(string key, string value) => proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        Add("transfer.version", TransferVersion);
        if (options.SourceSha256 is not null)
        {
            Add("transfer.source_sha256", options.SourceSha256);
        }

        if (options.ClassNames is not null)
        {
            Add("transfer.class_names", JsonSerializer.Serialize(options.ClassNames));
        }

        Add("transfer.classes", classes.ToString(CultureInfo.InvariantCulture));
        Add("transfer.input", options.Input == OnnxInputType.UInt8 ? "uint8" : "float");
        Add("transfer.output", options.Output.ToString().ToLowerInvariant());
        if (options.Mean is not null)
        {
            Add("transfer.mean", string.Join(",", options.Mean.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }

        if (options.Std is not null)
        {
            Add("transfer.std", string.Join(",", options.Std.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }

        foreach ((string key, string value) in ExportPreprocessing.Metadata(options.Preprocessing))
        {
            Add(key, value);
        }
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, IEnumerable<TensorShapeProto.Types.Dimension> dims)
    {
        TensorShapeProto shape = new();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static TensorShapeProto.Types.Dimension Dimension(long size) => new() { DimValue = size };

    private static TensorShapeProto.Types.Dimension Dimension(string name) => new() { DimParam = name };

    private static string OneLine(string message) => message.Split('\n', 2)[0].Trim();
}
