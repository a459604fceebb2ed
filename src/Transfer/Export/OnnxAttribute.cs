using System.Text;
using Google.Protobuf;
using Onnx;

namespace Transfer.Export;

/// <summary>One attribute of an ONNX node (an integer, integers, a float or a string), made by the factories.</summary>
public sealed class OnnxAttribute
{
    private readonly AttributeProto proto;

    private OnnxAttribute(AttributeProto proto) => this.proto = proto;

    /// <summary>The attribute's name, as the ONNX operator defines it.</summary>
    public string Name => proto.Name;

    /// <summary>An <c>int</c> attribute (such as <c>group</c> or <c>axis</c>).</summary>
    public static OnnxAttribute Int(string name, long value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    /// <summary>An <c>ints</c> attribute (such as <c>kernel_shape</c> or <c>pads</c>).</summary>
    public static OnnxAttribute Ints(string name, params long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        AttributeProto attribute = new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return new OnnxAttribute(attribute);
    }

    /// <summary>A <c>float</c> attribute (such as <c>epsilon</c> or <c>alpha</c>).</summary>
    public static OnnxAttribute Float(string name, float value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    /// <summary>A <c>string</c> attribute (such as <c>mode</c>).</summary>
    public static OnnxAttribute String(string name, string value) =>
        new(new AttributeProto
        {
            Name = name,
            Type = AttributeProto.Types.AttributeType.String,
            S = ByteString.CopyFrom(value, Encoding.UTF8),
        });

    internal AttributeProto ToProto() => proto.Clone();
}
