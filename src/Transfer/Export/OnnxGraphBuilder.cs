using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;

namespace Transfer.Export;

/// <summary>
/// The ONNX graph an export is building, seen from the module being exported: parameters become
/// initializers named by their state-dict key (<see cref="Path"/> + local name), nodes get unique output
/// names, and children are exported at their own paths. Modules implementing <see cref="IOnnxExportable"/>
/// receive one of these.
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly GraphState state;

    internal OnnxGraphBuilder(GraphProto graph, int opset)
        : this(new GraphState(graph, opset), string.Empty)
    {
    }

    private OnnxGraphBuilder(GraphState state, string path)
    {
        this.state = state;
        Path = path;
    }

    /// <summary>The opset the graph targets; a module may emit different nodes for different opsets.</summary>
    public int Opset => state.Opset;

    /// <summary>The state-dict prefix of the module being exported: empty at the root, else ending in a dot (<c>layer1.0.</c>).</summary>
    public string Path { get; }

    /// <summary>
    /// Adds <paramref name="tensor"/> (converted to float32) as the initializer named <see cref="Path"/> +
    /// <paramref name="name"/>, its state-dict key, and returns that name. Adding the same key twice adds it once.
    /// </summary>
    public string Parameter(string name, torch.Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(tensor);
        string key = Path + name;
        if (state.Initializers.Add(key))
        {
            state.Graph.Initializer.Add(FloatTensor(key, tensor));
        }

        return key;
    }

    /// <summary>Adds a float32 constant of the given shape (not a parameter) and returns its unique name.</summary>
    public string Constant(string name, float[] values, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        TensorProto proto = new() { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(shape);
        proto.FloatData.AddRange(values);
        state.Graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds a 1-D int64 constant (shapes, pads, axes) and returns its unique name.</summary>
    public string Int64Constant(string name, params long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        TensorProto proto = new() { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        state.Graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds a node of the default ONNX domain with one output and returns the output's unique name.</summary>
    /// <param name="opType">The ONNX operator (<c>Conv</c>, <c>Relu</c>…).</param>
    /// <param name="inputs">The names of its inputs, in the operator's order.</param>
    /// <param name="attributes">Its attributes.</param>
    public string Node(string opType, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(attributes);
        string output = Unique(opType);
        NodeProto node = new() { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes.Select(a => a.ToProto()));
        state.Graph.Node.Add(node);
        return output;
    }

    /// <summary>
    /// Exports <paramref name="child"/> at path <see cref="Path"/> + <paramref name="name"/> + <c>.</c>, so its
    /// parameters keep their state-dict keys; throws <see cref="OnnxExportException"/> naming the first
    /// module inside it that has no ONNX form.
    /// </summary>
    /// <returns>The name of the value the child produces.</returns>
    public string Module(string name, torch.nn.Module child, string input)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(child);
        ArgumentException.ThrowIfNullOrEmpty(input);
        return ModuleExport.Emit(new OnnxGraphBuilder(state, Path + name + "."), child, input);
    }

    /// <summary>Adds a node whose single output has exactly the given name (the graph's own output).</summary>
    internal void NamedNode(string opType, string input, string output, params OnnxAttribute[] attributes)
    {
        NodeProto node = new() { OpType = opType, Name = output + "/" + opType };
        node.Input.Add(input);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes.Select(a => a.ToProto()));
        state.Graph.Node.Add(node);
    }

    /// <summary>The path without its closing dot, as error messages show it (<c>(root)</c> for the model itself).</summary>
    internal string DisplayPath => Path.Length == 0 ? "(root)" : Path[..^1];

    private static TensorProto FloatTensor(string name, torch.Tensor tensor)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this machine is not.");
        }

        using torch.Tensor values = tensor.detach().cpu().to_type(torch.float32).contiguous();
        float[] data = values.data<float>().ToArray();
        TensorProto proto = new() { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(values.shape);
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan()));
        return proto;
    }

    private string Unique(string what)
    {
        string stem = Path.Length == 0 ? what : $"{Path[..^1]}/{what}";
        int count = state.Counters.TryGetValue(stem, out int seen) ? seen + 1 : 0;
        state.Counters[stem] = count;
        return count == 0 ? stem : stem + "_" + count.ToString(CultureInfo.InvariantCulture);
    }

    private sealed class GraphState(GraphProto graph, int opset)
    {
        public GraphProto Graph { get; } = graph;

        public int Opset { get; } = opset;

        public HashSet<string> Initializers { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> Counters { get; } = new(StringComparer.Ordinal);
    }
}
