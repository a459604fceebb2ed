using Transfer.FineTuning;
using Transfer.FineTuning.Config;
using YamlDotNet.RepresentationModel;

namespace Transfer.Tests.FineTuning;

/// <summary>
/// configs/README.md documents every key a run config has: each key of the resolved config (what
/// <c>--print-config</c> prints, defaults included) of configs with every optional section and scheduler on is
/// named in the key table (alone, or in a row naming several keys of one section), a transform in the
/// transforms table, and a model option by <c>target.&lt;option&gt;</c>.
/// </summary>
public sealed class ConfigReadmeKeysTests
{
    /// <summary>Every scheduler, and between them every transform (the example's random crop, or a center crop and colour jitter).</summary>
    public static TheoryData<string, string> Variants => new()
    {
        { "onecycle", "as in the example" },
        { "plateau", "data.transforms={resize: 72, center_crop: 64, horizontal_flip: 0.5, color_jitter: {brightness: 0.1}, normalize: imagenet}" },
        { "step", "as in the example" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_key_of_a_resolved_config_is_documented_in_the_configs_readme(string scheduler, string transforms)
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "configs", "README.md"));
        string[] rows = [.. readme.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))];
        RunConfig config = RunConfigReader.Load(
            Path.Combine(RepoPaths.Root, "configs", "imagefolder-resnet18.yaml"),
            [
                "export={}", "finetune.ema=0.9", "finetune.grad_clip=1", "finetune.early_stopping.patience=2", "data.train_limit=8",
                "data.val_limit=4", $"finetune.scheduler.type={scheduler}", .. transforms == "as in the example" ? Array.Empty<string>() : [transforms],
            ]);
        YamlStream yaml = [];
        yaml.Load(new StringReader(ResolvedConfig.Yaml(config)));

        List<string> keys = [];
        Collect((YamlMappingNode)yaml.Documents[0].RootNode, string.Empty, keys);
        Assert.Contains("finetune.accumulate", keys); // the walk reaches the new keys
        Assert.Contains("log.tensorboard", keys);
        string[] undocumented = [.. keys.Where(k => !Documented(k, readme, rows))];
        Assert.Empty(undocumented);
    }

    private static void Collect(YamlMappingNode node, string prefix, List<string> keys)
    {
        foreach ((YamlNode key, YamlNode value) in node.Children)
        {
            string path = prefix + ((YamlScalarNode)key).Value;
            if (value is YamlMappingNode child && !path.StartsWith("data.transforms.", StringComparison.Ordinal))
            {
                Collect(child, path + ".", keys); // a section; its keys are what the table names
            }
            else
            {
                keys.Add(path);
            }
        }
    }

    private static bool Documented(string key, string readme, string[] rows)
    {
        int dot = key.LastIndexOf('.');
        string section = dot < 0 ? string.Empty : key[..dot];
        string leaf = key[(dot + 1)..];
        return section switch
        {
            "data.transforms" => rows.Any(r => r.StartsWith($"| `{leaf}` |", StringComparison.Ordinal)),
            "target" when leaf != "model" => readme.Contains("`target.<option>`", StringComparison.Ordinal),
            _ => readme.Contains($"`{key}`", StringComparison.Ordinal)
                || rows.Any(r => r.StartsWith($"| `{section}.", StringComparison.Ordinal) && r.Split(" | ")[0].Contains($"`{leaf}`", StringComparison.Ordinal)),
        };
    }
}
