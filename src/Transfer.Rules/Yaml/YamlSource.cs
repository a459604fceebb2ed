using Transfer.Rules.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Transfer.Rules.Yaml;

/// <summary>
/// YAML text parsed for Transfer's readers (rule files, run configs and their <c>--set</c> values), which
/// knows where every node came from: <c>file:line:column</c> for nodes of the file, the <c>--set</c>
/// argument for nodes an override made. Parsing is bounded (<see cref="BoundedParser"/>) and every syntax
/// error, an unclosed <c>[</c>/<c>{</c> and a tab included, is a one-line <see cref="RuleConfigException"/>
/// with a position; readers report their own problems through <see cref="Fail"/> so all share that shape.
/// </summary>
internal sealed class YamlSource
{
    private readonly Dictionary<YamlNode, string> _origins = new(ReferenceEqualityComparer.Instance);

    private YamlSource(string fileName, IReadOnlyList<YamlNode> documents)
    {
        FileName = fileName;
        Documents = documents;
    }

    /// <summary>The name messages give the text (usually its path).</summary>
    public string FileName { get; }

    /// <summary>The root node of each document, in order (none for an empty text).</summary>
    public IReadOnlyList<YamlNode> Documents { get; }

    /// <summary>Parses <paramref name="text"/>; a syntax error or an unbounded document is a <see cref="RuleConfigException"/>.</summary>
    public static YamlSource Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        YamlStream stream = Load(text, mark => $"{fileName}:{mark.Line}:{mark.Column}");
        return new YamlSource(fileName, [.. stream.Documents.Select(d => d.RootNode)]);
    }

    /// <summary>A source for a node parsed elsewhere; positions are those of the node's own document.</summary>
    public static YamlSource Of(YamlNode root, string fileName) => new(fileName, [root]);

    /// <summary>
    /// Parses the value of a <c>--set path=value</c> argument (<paramref name="origin"/>) under the same
    /// bounds as a file, and remembers that its nodes came from that argument.
    /// </summary>
    public YamlNode ParseValue(string text, string origin)
    {
        YamlStream stream = Load(text, mark => $"{origin}: the value at column {mark.Column}");
        YamlNode value = stream.Documents.Count == 0 ? new YamlScalarNode(string.Empty) : stream.Documents[0].RootNode;
        MarkOrigin(value, origin);
        return value;
    }

    /// <summary>Records that <paramref name="node"/> and everything under it came from <paramref name="origin"/>.</summary>
    public void MarkOrigin(YamlNode node, string origin)
    {
        _origins[node] = origin;
        foreach (YamlNode child in node.AllNodes)
        {
            _origins[child] = origin;
        }
    }

    /// <summary>Where <paramref name="node"/> came from, as messages print it.</summary>
    public string Where(YamlNode node) =>
        _origins.TryGetValue(node, out string? origin) ? origin
        : node.Start.Line == 0 ? FileName
        : $"{FileName}:{node.Start.Line}:{node.Start.Column}";

    /// <summary>An error about <paramref name="node"/>, prefixed with its origin.</summary>
    public RuleConfigException Fail(YamlNode node, string problem) => new($"{Where(node)}: {problem}");

    private static YamlStream Load(string text, Func<Mark, string> where)
    {
        BoundedParser parser = new(new Parser(new StringReader(text)), where);
        YamlStream stream = new();
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e) when (parser.OpenFlow is { } open && e.Start.Index >= text.TrimEnd().Length)
        {
            // The text ended inside a flow collection: where it opened is what the user needs to see.
            throw new RuleConfigException($"{where(open.Start)}: invalid YAML: this '{open.Bracket}' is never closed", e);
        }
        catch (YamlException e)
        {
            string problem = OneLine(e.InnerException?.Message ?? e.Message);
            Mark at = problem.Contains("tab", StringComparison.Ordinal) ? FirstTab(text, e.Start) ?? e.Start : e.Start;
            throw new RuleConfigException($"{where(at)}: invalid YAML: {problem}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this, without a position, on some flow collections left open.
            string problem = parser.OpenFlow is { } open
                ? $"{where(open.Start)}: invalid YAML: this '{open.Bracket}' is never closed"
                : $"{where(parser.Current?.End ?? Mark.Empty)}: invalid YAML: {OneLine(e.Message)}";
            throw new RuleConfigException(problem, e);
        }

        return stream;
    }

    /// <summary>The first tab at or after the line of <paramref name="from"/> (YamlDotNet reports tabs at the enclosing node).</summary>
    private static Mark? FirstTab(string text, Mark from)
    {
        long line = 1;
        long column = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\t' && line >= from.Line)
            {
                return new Mark(i, line, column);
            }

            if (c == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return null;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
