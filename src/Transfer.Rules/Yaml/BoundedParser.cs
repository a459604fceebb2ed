using System.Globalization;
using Transfer.Rules.Errors;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Transfer.Rules.Yaml;

/// <summary>
/// Passes YamlDotNet's parsing events through while bounding what a document can make its readers do:
/// the nodes its aliases add when expanded (a "billion laughs" document is a few hundred bytes that expand
/// to 10^9 nodes; YamlDotNet shares the aliased node, but anything that walks, hashes or compares it —
/// complex keys are hashed while loading — pays for every expansion), aliases to a node still being read
/// (a cycle), aliases without an anchor, and nesting depth (loading recurses per level). It sees each
/// event before YamlDotNet builds a node from it, so a refusal comes before the expensive work.
/// </summary>
internal sealed class BoundedParser : IParser
{
    /// <summary>The most nodes all aliases of one document may add when expanded.</summary>
    public const long MaxAliasNodes = 100_000;

    /// <summary>The deepest nesting of collections a document may have.</summary>
    public const int MaxDepth = 128;

    private readonly IParser _inner;
    private readonly Func<Mark, string> _where;
    private readonly Dictionary<string, long> _anchorSizes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _openAnchors = new(StringComparer.Ordinal);
    private readonly Stack<Frame> _open = new();
    private long _aliasNodes;

    /// <param name="inner">The parser to read events from.</param>
    /// <param name="where">How errors name a position, e.g. <c>file:line:column</c>.</param>
    public BoundedParser(IParser inner, Func<Mark, string> where)
    {
        _inner = inner;
        _where = where;
    }

    /// <inheritdoc />
    public ParsingEvent? Current => _inner.Current;

    /// <summary>Where the innermost flow collection (<c>[</c> or <c>{</c>) still open began, or null.</summary>
    public (Mark Start, char Bracket)? OpenFlow =>
        _open.Where(f => f.Bracket is not null).Select(f => ((Mark, char)?)(f.Start, f.Bracket!.Value)).FirstOrDefault();

    /// <inheritdoc />
    public bool MoveNext()
    {
        if (!_inner.MoveNext())
        {
            return false;
        }

        switch (_inner.Current)
        {
            case DocumentStart:
                _anchorSizes.Clear();
                _aliasNodes = 0;
                break;
            case AnchorAlias alias:
                AddAlias(alias);
                break;
            case Scalar scalar:
                Count(1);
                Name(scalar.Anchor, 1);
                break;
            case SequenceStart sequence:
                Open(sequence, sequence.Anchor, sequence.Style == SequenceStyle.Flow ? '[' : null);
                break;
            case MappingStart mapping:
                Open(mapping, mapping.Anchor, mapping.Style == MappingStyle.Flow ? '{' : null);
                break;
            case SequenceEnd or MappingEnd when _open.Count > 0:
                Frame done = _open.Pop();
                Count(done.Nodes);
                if (!done.Anchor.IsEmpty)
                {
                    _openAnchors.Remove(done.Anchor.Value);
                    Name(done.Anchor, done.Nodes);
                }

                break;
        }

        return true;
    }

    private void Open(ParsingEvent start, AnchorName anchor, char? bracket)
    {
        if (_open.Count >= MaxDepth)
        {
            throw Refuse(start.Start, $"collections are nested more than {MaxDepth} deep");
        }

        if (!anchor.IsEmpty)
        {
            _openAnchors.Add(anchor.Value);
        }

        _open.Push(new Frame(anchor, start.Start, bracket) { Nodes = 1 });
    }

    private void AddAlias(AnchorAlias alias)
    {
        string name = alias.Value.Value;
        if (_openAnchors.Contains(name))
        {
            throw Refuse(alias.Start, $"the alias '*{name}' is inside the node '&{name}' it refers to (a cycle)");
        }

        if (!_anchorSizes.TryGetValue(name, out long size))
        {
            throw Refuse(alias.Start, $"the alias '*{name}' has no anchor '&{name}' before it");
        }

        _aliasNodes += size;
        if (_aliasNodes > MaxAliasNodes)
        {
            throw Refuse(
                alias.Start,
                $"aliases expand to more than {MaxAliasNodes.ToString(CultureInfo.InvariantCulture)} nodes (a 'billion laughs' document?); write the values out instead");
        }

        Count(size);
    }

    private void Count(long nodes)
    {
        if (_open.Count > 0)
        {
            _open.Peek().Nodes += nodes;
        }
    }

    private void Name(AnchorName anchor, long nodes)
    {
        if (!anchor.IsEmpty)
        {
            _anchorSizes[anchor.Value] = nodes;
        }
    }

    private RuleConfigException Refuse(Mark at, string problem) =>
        new($"{_where(at)}: {problem}");

    private sealed class Frame(AnchorName anchor, Mark start, char? bracket)
    {
        public AnchorName Anchor { get; } = anchor;

        public Mark Start { get; } = start;

        public char? Bracket { get; } = bracket;

        public long Nodes { get; set; }
    }
}
