namespace Transfer.Rules.Planning;

/// <summary>
/// The dotted suffixes of source keys as a trie of components read from the end (<c>weight</c>, then
/// <c>conv.weight</c>, then <c>res2.conv.weight</c>), one trie per shape. Each node knows the sources whose
/// keys end with its suffix. Building and walking cost one step per component, so a key of a million
/// characters costs a million steps, not a million suffixes of up to a million characters each.
/// </summary>
internal sealed class SuffixTree
{
    private readonly Dictionary<string, int> _roots = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Parent, string Component), int> _edges = [];
    private readonly List<int> _count = [];
    private readonly List<int> _lastMember = [];
    private readonly List<int> _memberSource = [];
    private readonly List<int> _previousMember = [];

    public bool IsEmpty => _roots.Count == 0;

    public void Add(string shape, string key, int source)
    {
        if (!_roots.TryGetValue(shape, out int node))
        {
            node = NewNode();
            _roots[shape] = node;
        }

        foreach (string component in ComponentsFromTheEnd(key))
        {
            if (!_edges.TryGetValue((node, component), out int child))
            {
                child = NewNode();
                _edges[(node, component)] = child;
            }

            node = child;
            _memberSource.Add(source);
            _previousMember.Add(_lastMember[node]);
            _lastMember[node] = _memberSource.Count - 1;
            _count[node]++;
        }
    }

    /// <summary>The sources, in the order added, sharing the longest dotted suffix with <paramref name="key"/>; empty when not even the last component is shared.</summary>
    public List<int> LongestSuffixMatches(string shape, string key)
    {
        if (!_roots.TryGetValue(shape, out int node))
        {
            return [];
        }

        int deepest = -1;
        foreach (string component in ComponentsFromTheEnd(key))
        {
            if (!_edges.TryGetValue((node, component), out int child))
            {
                break;
            }

            node = deepest = child;
        }

        if (deepest < 0)
        {
            return [];
        }

        List<int> sources = new(_count[deepest]);
        for (int member = _lastMember[deepest]; member >= 0; member = _previousMember[member])
        {
            sources.Add(_memberSource[member]);
        }

        sources.Reverse();
        return sources;
    }

    private int NewNode()
    {
        _count.Add(0);
        _lastMember.Add(-1);
        return _count.Count - 1;
    }

    private static IEnumerable<string> ComponentsFromTheEnd(string key)
    {
        int end = key.Length;
        while (true)
        {
            int dot = end == 0 ? -1 : key.LastIndexOf('.', end - 1);
            yield return key[(dot + 1)..end];
            if (dot < 0)
            {
                yield break;
            }

            end = dot;
        }
    }
}
