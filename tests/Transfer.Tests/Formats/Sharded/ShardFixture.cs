using System.Text.Json;

namespace Transfer.Tests.Formats.Sharded;

/// <summary>The sharded fixtures make_shard_fixtures.py wrote (Fixtures/sharded) and what PyTorch loaded for them.</summary>
internal static class ShardFixture
{
    public static string SafeTensorsIndex => Fixture.Path_(Path.Combine("sharded", "safetensors", "model.safetensors.index.json"));

    public static string BinIndex => Fixture.Path_(Path.Combine("sharded", "pytorch", "pytorch_model.bin.index.json"));

    public static string Hostile(string name) => Fixture.Path_(Path.Combine("sharded", "hostile", name));

    /// <summary>LeNet5's state dict (examples/LeNet5to6/lenet5.pt) as PyTorch loads it, in state-dict order.</summary>
    public static IReadOnlyList<ExpectedTensor> LeNet5 { get; } =
        [.. JsonDocument.Parse(File.ReadAllText(Fixture.Path_(Path.Combine("sharded", "manifest.json")))).RootElement
            .GetProperty("tensors").EnumerateArray().Select(t => new ExpectedTensor(
                t.GetProperty("name").GetString()!,
                t.GetProperty("dtype").GetString()!,
                [.. t.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64())],
                t.GetProperty("sha256").GetString()))];

    /// <summary>
    /// What PyTorch reads from a sharded set (Fixtures/read_sharded.py: every shard loaded, merged per the index,
    /// the index checked against the shards), as "name dtype [shape] sha256" lines in merged order.
    /// </summary>
    public static IReadOnlyList<string> ReadByPyTorch(string index)
    {
        string script = File.ReadAllText(Fixture.Path_("read_sharded.py"));
        string json = PyTorchProcess.Run(script.Replace("if __name__ == \"__main__\":", "if True:", StringComparison.Ordinal), index);
        return [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(t =>
            $"{t.GetProperty("name").GetString()} {t.GetProperty("dtype").GetString()} [{string.Join(", ", t.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()))}] {t.GetProperty("sha256").GetString()}")];
    }

    /// <summary>The same lines from <c>transfer inspect --format json --hash</c>.</summary>
    public static IReadOnlyList<string> ReadByInspect(string path)
    {
        StringWriter output = new();
        Assert.Equal(0, Transfer.Cli.Commands.CommandErrors.Run(() => Transfer.Cli.Commands.InspectCommand.Run(path, "json", hash: true, key: null, output)));
        return [.. JsonDocument.Parse(output.ToString()).RootElement.GetProperty("tensors").EnumerateArray().Select(t =>
            $"{t.GetProperty("name").GetString()} {t.GetProperty("dtype").GetString()} [{string.Join(", ", t.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()))}] {t.GetProperty("sha256").GetString()}")];
    }
}
