using YamlDotNet.RepresentationModel;

namespace Transfer.FineTuning.Config;

/// <summary>
/// One fine-tuning run as a YAML file describes it: where the weights come from, which model receives them
/// by which rules, which data trains it and how. Read with <see cref="RunConfigReader"/>, which validates
/// every key so that a typo fails before any tensor is touched.
/// </summary>
public sealed record RunConfig
{
    /// <summary>The folder relative paths in the file resolve against (the config file's folder).</summary>
    public required string BaseFolder { get; init; }

    /// <summary>Where the config came from, for messages (a file path, or <c>&lt;code&gt;</c>).</summary>
    public required string FileName { get; init; }

    /// <summary>Seeds model initialisation and the per-epoch shuffle; the same seed gives the same weights.</summary>
    public long Seed { get; init; }

    /// <summary>The checkpoint the weights come from.</summary>
    public required SourceConfig Source { get; init; }

    /// <summary>The model that receives them.</summary>
    public required TargetConfig Target { get; init; }

    /// <summary>
    /// The <c>rules:</c> node as written, handed to the rule engine's own reader so its errors keep their
    /// file positions; null when the file has no rules (the default rule set applies).
    /// </summary>
    public YamlNode? Rules { get; init; }

    /// <summary>The training and validation data.</summary>
    public required DataConfig Data { get; init; }

    /// <summary>How the target is fine-tuned.</summary>
    public required FineTuneConfig FineTune { get; init; }

    /// <summary>The ONNX export of the best weights at the end of the run, or null for none.</summary>
    public ExportConfig? Export { get; init; }

    /// <summary>Loggers besides <c>metrics.csv</c> (the <c>log:</c> section).</summary>
    public LogConfig Log { get; init; } = new();
}

/// <summary>The <c>source:</c> section: a checkpoint file and the key of its state dict.</summary>
/// <param name="Path">The checkpoint path, absolute (resolved against the config's folder).</param>
/// <param name="Key">The state dict's key inside the file, or <c>auto</c> to find it.</param>
public sealed record SourceConfig(string Path, string Key);

/// <summary>The <c>target:</c> section: a registered model name and its options, or a module from a user assembly.</summary>
/// <param name="Model">The model's registered name (<c>LeNet6</c>, <c>ResNet18</c>…), or the type name of <see cref="Assembly"/>.</param>
/// <param name="Options">Every other key of the section, as written, for the model registry to read.</param>
public sealed record TargetConfig(string Model, IReadOnlyDictionary<string, string> Options)
{
    /// <summary>
    /// The module type from a user assembly (<c>target.model: { assembly, type, args }</c>), or null for a
    /// registered model. When set, <see cref="TargetConfig.Model"/> is its type name and <see cref="TargetConfig.Options"/> is empty.
    /// </summary>
    public Transfer.Models.AssemblyModel? Assembly { get; init; }

    /// <summary>Creates the target model (fresh weights): the assembly's module, or the registered model with its options.</summary>
    internal TorchSharp.torch.nn.Module Create() =>
        Assembly is { } assembly ? assembly.Create() : Transfer.Models.ModelRegistry.Create(Model, Options);
}

/// <summary>The kinds of data a run can read.</summary>
public enum DataKind
{
    /// <summary>MNIST-style IDX files (Fashion-MNIST, MNIST), gzipped or not.</summary>
    Idx,

    /// <summary>One folder per class of PNG, JPEG, BMP, GIF, WebP or PGM/PPM images, under <c>train/</c> and optionally <c>val/</c>.</summary>
    ImageFolder,
}

/// <summary>The <c>data:</c> section.</summary>
/// <param name="Kind">The data format.</param>
/// <param name="Path">The data folder (absolute), or null for <c>auto</c>.</param>
/// <param name="TrainLimit">Use only the first N training examples (quick runs, tests); null for all.</param>
/// <param name="ValLimit">Use only the first N validation examples; null for all.</param>
public sealed record DataConfig(DataKind Kind, string? Path, int? TrainLimit, int? ValLimit)
{
    /// <summary>
    /// <c>validation.split</c>: the fraction of the training set (0 &lt;= x &lt; 1, drawn with the run's seed) held
    /// out as the validation set that picks <c>best</c>. For idx data the test set is then evaluated once, at the
    /// end, and 0 selects on the test set itself (no held-out test result); for an image folder it applies when
    /// there is no <c>val/</c>. YAML's default is 0.1.
    /// </summary>
    public double ValSplit { get; init; }

    // Image-folder options (data.transforms, data.on_bad_image, data.workers; whether validation.split was written).

    /// <summary>The <c>data.transforms:</c> of an image folder.</summary>
    internal Transfer.Data.Transforms.ImageTransforms Transforms { get; init; } = Transfer.Data.Transforms.ImageTransforms.None;

    /// <summary><c>data.on_bad_image</c>.</summary>
    internal Transfer.Data.Images.BadImagePolicy OnBadImage { get; init; }

    /// <summary><c>data.workers</c>: image decoding threads, null for one per core left after training's threads.</summary>
    internal int? Workers { get; init; }

    /// <summary>Whether the config wrote <c>validation.split</c> (an image folder with <c>val/</c> refuses one).</summary>
    internal bool ValSplitGiven { get; init; }
}
