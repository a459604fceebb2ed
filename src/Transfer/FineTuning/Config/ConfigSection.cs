using System.Globalization;
using Transfer.Rules;
using Transfer.Rules.Yaml;
using YamlDotNet.RepresentationModel;

namespace Transfer.FineTuning.Config;

/// <summary>
/// Typed, validating access to one mapping of the config. Every key must be one of the section's known
/// keys (checked up front, with a "did you mean"), and every value is checked as it is read.
/// </summary>
internal sealed class ConfigSection
{
    private readonly YamlSource _document;
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    private ConfigSection(YamlSource document, YamlMappingNode node, string path)
    {
        _document = document;
        Node = node;
        Path = path;
    }

    /// <summary>The dotted path of the section (empty for the root).</summary>
    public string Path { get; }

    /// <summary>The mapping node.</summary>
    public YamlMappingNode Node { get; }

    /// <summary>Opens <paramref name="node"/> as a section whose keys must be among <paramref name="known"/> (null: any).</summary>
    public static ConfigSection Open(YamlSource document, YamlNode node, string path, IReadOnlyCollection<string>? known)
    {
        if (node is not YamlMappingNode mapping)
        {
            throw document.Fail(node, $"'{path}' must be a mapping of keys");
        }

        ConfigSection section = new(document, mapping, path);
        foreach ((YamlNode keyNode, YamlNode value) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } scalarKey)
            {
                throw document.Fail(keyNode, $"keys in '{section.Describe()}' must be plain names");
            }

            if (known is not null && !known.Contains(key))
            {
                throw document.Fail(
                    keyNode,
                    $"unknown key '{key}' in {section.Describe()}{Hint(key, known)} (valid keys: {string.Join(", ", known)})");
            }

            section._entries[key] = (scalarKey, value);
        }

        return section;
    }

    /// <summary>The keys present, in file order.</summary>
    public IEnumerable<string> Keys => _entries.Keys;

    /// <summary>The value node of <paramref name="key"/>, or null.</summary>
    public YamlNode? Get(string key) => _entries.TryGetValue(key, out var e) ? e.Value : null;

    /// <summary>A nested section, or null when absent.</summary>
    public ConfigSection? Section(string key, IReadOnlyCollection<string>? known) =>
        Get(key) is { } node ? Open(_document, node, Sub(key), known) : null;

    /// <summary>A nested section that must be present.</summary>
    public ConfigSection RequiredSection(string key, IReadOnlyCollection<string>? known) =>
        Section(key, known) ?? throw _document.Fail(Node, $"{Describe()} needs a '{key}:' section");

    /// <summary>A string value, or <paramref name="fallback"/> when absent.</summary>
    public string? String(string key, string? fallback = null) =>
        Get(key) is { } node ? Scalar(node, key, "a text value") : fallback;

    /// <summary>A string value that must be present and non-empty.</summary>
    public string RequiredString(string key)
    {
        string? value = String(key);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Get(key) is { } node
                ? _document.Fail(node, $"'{Sub(key)}' must not be empty")
                : _document.Fail(Node, $"{Describe()} needs '{key}'");
        }

        return value;
    }

    /// <summary>An integer within [<paramref name="min"/>, int.MaxValue], or the fallback.</summary>
    public int Int(string key, int fallback, int min)
    {
        if (Get(key) is not { } node)
        {
            return fallback;
        }

        string text = Scalar(node, key, "an integer");
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) || value < min)
        {
            throw _document.Fail(node, $"'{Sub(key)}' must be an integer{(min == int.MinValue ? string.Empty : $" >= {min}")}, got '{text}'");
        }

        return value;
    }

    /// <summary>A 64-bit integer (any sign), or the fallback.</summary>
    public long Long(string key, long fallback)
    {
        if (Get(key) is not { } node)
        {
            return fallback;
        }

        string text = Scalar(node, key, "an integer");
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            throw _document.Fail(node, $"'{Sub(key)}' must be an integer, got '{text}'");
        }

        return value;
    }

    /// <summary>A finite number &gt;= <paramref name="min"/> (and &gt; 0 when <paramref name="positive"/>), or the fallback.</summary>
    public double Double(string key, double fallback, double min = 0, bool positive = false)
    {
        if (Get(key) is not { } node)
        {
            return fallback;
        }

        string text = Scalar(node, key, "a number");
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value) || value < min || (positive && value <= 0))
        {
            string bound = positive ? " > 0" : double.IsNegativeInfinity(min) ? string.Empty : $" >= {min.ToString(CultureInfo.InvariantCulture)}";
            throw _document.Fail(node, $"'{Sub(key)}' must be a number{bound}, got '{text}'");
        }

        return value;
    }

    /// <summary>A boolean (<c>true</c>/<c>false</c>), or the fallback.</summary>
    public bool Bool(string key, bool fallback)
    {
        if (Get(key) is not { } node)
        {
            return fallback;
        }

        string text = Scalar(node, key, "true or false");
        return text switch
        {
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ => throw _document.Fail(node, $"'{Sub(key)}' must be true or false, got '{text}'"),
        };
    }

    /// <summary>One of <paramref name="names"/> (mapped to enum values), or the fallback.</summary>
    public T Choice<T>(string key, T fallback, IReadOnlyDictionary<string, T> names)
    {
        if (Get(key) is not { } node)
        {
            return fallback;
        }

        string text = Scalar(node, key, "a name");
        if (names.TryGetValue(text, out T? value))
        {
            return value;
        }

        throw _document.Fail(
            node,
            $"'{Sub(key)}' must be one of {string.Join(", ", names.Keys)}, got '{text}'{Hint(text, names.Keys)}");
    }

    /// <summary>The items of a sequence value (empty when absent).</summary>
    public IReadOnlyList<YamlNode> Sequence(string key)
    {
        if (Get(key) is not { } node)
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            throw _document.Fail(node, $"'{Sub(key)}' must be a list");
        }

        return sequence.Children.ToList();
    }

    /// <summary>The text of a scalar item of a list.</summary>
    public string ScalarItem(YamlNode item, string listKey)
    {
        if (item is not YamlScalarNode { Value: { } text } || text.Length == 0)
        {
            throw _document.Fail(item, $"items of '{Sub(listKey)}' must be non-empty text");
        }

        return text;
    }

    /// <summary>The dotted path of a child key.</summary>
    public string Sub(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>A config error at <paramref name="node"/> of this section (file:line:column first).</summary>
    public Transfer.Rules.Errors.RuleConfigException Fail(YamlNode node, string problem) => _document.Fail(node, problem);

    private string Describe() => Path.Length == 0 ? "the config" : $"'{Path}'";

    private string Scalar(YamlNode node, string key, string expected)
    {
        if (node is not YamlScalarNode { Value: { } text })
        {
            throw _document.Fail(node, $"'{Sub(key)}' must be {expected}, not a {(node is YamlMappingNode ? "mapping" : "list")}");
        }

        return text;
    }

    private static string Hint(string typed, IEnumerable<string> valid) =>
        NameSuggestion.Suggest(typed, valid) is { } best ? $"; did you mean '{best}'?" : string.Empty;
}
