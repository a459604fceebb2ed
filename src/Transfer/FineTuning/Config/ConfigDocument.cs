using System.Globalization;
using Transfer.Rules.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Transfer.FineTuning.Config;

/// <summary>
/// A parsed config file plus its <c>--set</c> overrides, which knows where every node came from: a
/// <c>file:line:column</c> for nodes of the file, the <c>--set</c> argument for nodes an override made.
/// All errors about the config go through <see cref="Fail"/> so they share that shape.
/// </summary>
internal sealed class ConfigDocument
{
    private readonly Dictionary<YamlNode, string> _overrideOrigins = new(ReferenceEqualityComparer.Instance);

    private ConfigDocument(string fileName, YamlMappingNode root)
    {
        FileName = fileName;
        Root = root;
    }

    public string FileName { get; }

    public YamlMappingNode Root { get; }

    /// <summary>Parses <paramref name="yaml"/>; a syntax error becomes a one-line <see cref="RuleConfigException"/>.</summary>
    public static ConfigDocument Parse(string yaml, string fileName)
    {
        YamlStream stream = new();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new RuleConfigException(
                $"{fileName}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {OneLine(e.Message)}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this, without a position, on some malformed flow collections.
            throw new RuleConfigException($"{fileName}: invalid YAML (an unclosed [ or {{?)", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            string where = stream.Documents.Count == 0
                ? $"{fileName}:1:1"
                : $"{fileName}:{stream.Documents[0].RootNode.Start.Line}:{stream.Documents[0].RootNode.Start.Column}";
            throw new RuleConfigException($"{where}: the config must be a mapping of keys (seed, source, target, data, finetune…)");
        }

        return new ConfigDocument(fileName, root);
    }

    /// <summary>Where <paramref name="node"/> came from, as messages print it.</summary>
    public string Where(YamlNode node) =>
        _overrideOrigins.TryGetValue(node, out string? origin)
            ? origin
            : $"{FileName}:{node.Start.Line}:{node.Start.Column}";

    /// <summary>An error about <paramref name="node"/>, prefixed with its origin.</summary>
    public RuleConfigException Fail(YamlNode node, string problem) => new($"{Where(node)}: {problem}");

    /// <summary>
    /// Applies one <c>path=value</c> override: walks the dotted path through mappings (and sequence
    /// indexes), creating missing mappings, and puts the value (parsed as YAML) at the end.
    /// </summary>
    public void ApplyOverride(string assignment)
    {
        string origin = $"--set {assignment}";
        int eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new RuleConfigException($"{origin}: expected path=value, like finetune.epochs=3");
        }

        string[] path = assignment[..eq].Trim().Split('.');
        if (path.Any(p => p.Length == 0))
        {
            throw new RuleConfigException($"{origin}: the path '{assignment[..eq]}' has an empty segment");
        }

        YamlNode value = ParseValue(assignment[(eq + 1)..], origin);
        MarkAll(value, origin);

        YamlNode current = Root;
        for (int i = 0; i < path.Length; i++)
        {
            bool last = i == path.Length - 1;
            string segment = path[i];
            string soFar = string.Join('.', path.Take(i + 1));
            switch (current)
            {
                case YamlMappingNode mapping:
                    {
                        YamlScalarNode key = new(segment);
                        if (mapping.Children.TryGetValue(key, out YamlNode? child) && !last)
                        {
                            current = child;
                            continue;
                        }

                        YamlNode next = last ? value : new YamlMappingNode();
                        if (!mapping.Children.ContainsKey(key))
                        {
                            _overrideOrigins[key] = origin;
                        }

                        MarkAll(next, origin);
                        mapping.Children[key] = next;
                        current = next;
                        break;
                    }

                case YamlSequenceNode sequence:
                    {
                        if (!int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                            || index >= sequence.Children.Count)
                        {
                            throw new RuleConfigException(
                                $"{origin}: '{soFar}' is not an index of the {sequence.Children.Count}-item list at '{string.Join('.', path.Take(i))}'");
                        }

                        if (last)
                        {
                            sequence.Children[index] = value;
                        }

                        current = sequence.Children[index];
                        break;
                    }

                default:
                    throw new RuleConfigException(
                        $"{origin}: '{string.Join('.', path.Take(i))}' is a value, not a section, so '{soFar}' cannot be set");
            }
        }
    }

    private static YamlNode ParseValue(string text, string origin)
    {
        YamlStream stream = new();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            throw new RuleConfigException($"{origin}: the value is not valid YAML: {OneLine(e.Message)}", e);
        }

        return stream.Documents.Count == 0 ? new YamlScalarNode(string.Empty) : stream.Documents[0].RootNode;
    }

    private void MarkAll(YamlNode node, string origin)
    {
        _overrideOrigins[node] = origin;
        foreach (YamlNode child in node.AllNodes)
        {
            _overrideOrigins[child] = origin;
        }
    }

    private static string OneLine(string message) =>
        message.ReplaceLineEndings(" ").Trim();
}
