using Transfer.Models;
using Transfer.Rules.Yaml;
using YamlDotNet.RepresentationModel;

namespace Transfer.FineTuning.Config;

/// <summary>
/// Reads <c>target.model: { assembly: MyModels.dll, type: MyNamespace.MyNet, args: { classes: 5 } }</c>: a
/// module type from a user assembly (path relative to the config's folder) and its constructor arguments
/// (single values or lists). The arguments are checked against the constructor when the run creates the model.
/// </summary>
internal static class AssemblyModelConfig
{
    private static readonly string[] Keys = ["assembly", "type", "args"];

    public static TargetConfig Read(YamlSource document, ConfigSection target, string folder)
    {
        if (target.Keys.FirstOrDefault(k => k != "model") is { } option)
        {
            throw document.Fail(
                target.Get(option)!, $"'{target.Sub(option)}': a model from an assembly takes its constructor arguments in '{target.Sub("model.args")}'");
        }

        ConfigSection model = target.Section("model", Keys)!;
        string type = model.RequiredString("type");
        Dictionary<string, ModelArgument> arguments = new(StringComparer.Ordinal);
        if (model.Section("args", null) is { } args)
        {
            foreach (string name in args.Keys)
            {
                arguments[name] = Argument(document, args, name);
            }
        }

        AssemblyModel assembly = new(Path.GetFullPath(model.RequiredString("assembly"), folder), type, arguments);
        return new TargetConfig(type, new Dictionary<string, string>()) { Assembly = assembly };
    }

    private static ModelArgument Argument(YamlSource document, ConfigSection args, string name)
    {
        YamlNode node = args.Get(name)!;
        return node switch
        {
            YamlScalarNode { Value: { } text } => ModelArgument.Scalar(text),
            YamlSequenceNode list => ModelArgument.List(list.Children
                .Select(item => item is YamlScalarNode { Value: { } text }
                    ? text
                    : throw document.Fail(item, $"items of '{args.Sub(name)}' must be single values"))
                .ToList()),
            _ => throw document.Fail(node, $"'{args.Sub(name)}' must be a value or a list of values"),
        };
    }
}
