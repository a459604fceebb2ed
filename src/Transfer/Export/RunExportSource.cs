using System.Text.Json;
using Transfer.Data;
using Transfer.Data.Idx;
using Transfer.FineTuning.Config;

namespace Transfer.Export;

/// <summary>
/// What <c>transfer export &lt;run folder&gt;</c> exports: the run's model and options (from its config),
/// its <c>best.safetensors</c> weights, and its class names when the data names them (an image folder's
/// class sub-folders, or Fashion-MNIST's ten classes).
/// </summary>
/// <param name="Model">The registered model name, or <c>MyModels.dll:MyNamespace.MyNet</c> for a module from a user assembly.</param>
/// <param name="ModelOptions">The model's options (an assembly module's constructor arguments, lists comma-separated), as the config writes them.</param>
/// <param name="Weights">The run's best weights.</param>
/// <param name="ClassNames">The class names in label order, or null when unknown.</param>
public sealed record RunExportSource(string Model, IReadOnlyDictionary<string, string> ModelOptions, string Weights, IReadOnlyList<string>? ClassNames)
{
    /// <summary>Fashion-MNIST's labels 0–9.</summary>
    public static IReadOnlyList<string> FashionMnistClasses { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>An image-folder run's <c>data.transforms</c> (its evaluation part is exported), or null for other data.</summary>
    internal Transfer.Data.Transforms.ImageTransforms? Transforms { get; init; }

    /// <summary>
    /// Reads the run folder and its config (<paramref name="configPath"/>, or <c>config.yaml</c> in the folder);
    /// without a config, the model <c>report.json</c> names, with its default options.
    /// </summary>
    /// <exception cref="OnnxExportException">The folder, its config or its best weights are missing.</exception>
    public static RunExportSource Read(string runFolder, string? configPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runFolder);
        if (!Directory.Exists(runFolder))
        {
            throw new OnnxExportException($"Run folder {runFolder} does not exist.");
        }

        string weights = Path.Combine(runFolder, "best.safetensors");
        if (!File.Exists(weights))
        {
            throw new OnnxExportException($"Run folder {runFolder} has no best.safetensors; export a finished run (or give --model and --weights).");
        }

        string config = configPath ?? Path.Combine(runFolder, "config.yaml");
        if (File.Exists(config) || configPath is not null)
        {
            RunConfig run = RunConfigReader.Load(config);
            RunExportSource source = run.Target.Assembly is { } assembly
                ? new RunExportSource(
                    $"{assembly.AssemblyPath}:{assembly.TypeName}",
                    assembly.Arguments.ToDictionary(a => a.Key, a => a.Value.Items is { } items ? string.Join(",", items) : a.Value.Text!, StringComparer.Ordinal),
                    weights,
                    Classes(run.Data))
                : new RunExportSource(run.Target.Model, run.Target.Options, weights, Classes(run.Data));
            return source with { Transforms = run.Data.Kind == DataKind.ImageFolder ? run.Data.Transforms : null };
        }

        // Without its config, the run's report still names the target model; its default options must then
        // fit best.safetensors exactly (ModelWeights.LoadExact refuses otherwise), so nothing is guessed silently.
        string report = Path.Combine(runFolder, "report.json");
        (string? model, bool imageFolder) = File.Exists(report) ? TargetOf(report) : (null, false);
        if (imageFolder)
        {
            // Its evaluation transform (resize, crop, normalize) lives in the config; exporting without it would
            // give a graph that silently expects other inputs than the model was trained on.
            throw new OnnxExportException($"Run folder {runFolder} has no config.yaml, and its report.json records an image-folder run whose transforms the export needs; name the run's config with --config FILE.");
        }

        return model is null
            ? throw new OnnxExportException($"Run folder {runFolder} has no config.yaml and no report.json naming its model; name the run's config with --config FILE.")
            : new RunExportSource(model, new Dictionary<string, string>(), weights, null);
    }

    private static (string? Model, bool ImageFolder) TargetOf(string report)
    {
        try
        {
            using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(report));
            JsonElement root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, false);
            }

            bool imageFolder = root.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("imagefolder", out _);
            return (root.TryGetProperty("target", out JsonElement target) && target.ValueKind == JsonValueKind.String ? target.GetString() : null, imageFolder);
        }
        catch (JsonException e)
        {
            throw new OnnxExportException($"Run report {report} is not valid JSON: {e.Message}", e);
        }
    }

    internal static IReadOnlyList<string>? Classes(DataConfig data)
    {
        if (data.Kind == DataKind.ImageFolder && data.Path is not null && Directory.Exists(Path.Combine(data.Path, "train")))
        {
            return Directory.GetDirectories(Path.Combine(data.Path, "train")).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray();
        }

        bool fashion = data.Kind == DataKind.Idx
            && (data.Path is null || string.Equals(Path.GetFullPath(data.Path).TrimEnd('/'), FashionMnist.SystemDirectory, StringComparison.Ordinal));
        return fashion ? FashionMnistClasses : null;
    }
}
