using System.Globalization;
using Transfer.Rules.Errors;
using Transfer.Rules.Yaml;
using YamlDotNet.RepresentationModel;

namespace Transfer.FineTuning.Config;

/// <summary>
/// Applies one <c>--set path=value</c> argument to a parsed config: walks the dotted path through mappings
/// (and sequence indexes), creating missing mappings, and puts the value (parsed as YAML, under the same
/// bounds as the file) at the end. The nodes it makes remember the argument, so errors about them name it.
/// </summary>
internal static class ConfigOverride
{
    public static void Apply(YamlSource source, YamlMappingNode root, string assignment)
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

        YamlNode value = source.ParseValue(assignment[(eq + 1)..], origin);
        YamlNode current = root;
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
                            source.MarkOrigin(key, origin);
                        }

                        source.MarkOrigin(next, origin);
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
}
