using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using TorchSharp;
using TorchSharp.Modules;
using Transfer.Data;
using Transfer.Data.Images;
using Transfer.Data.Transforms;
using Transfer.FineTuning.Config;
using static TorchSharp.torch;

namespace Transfer.FineTuning;

/// <summary>
/// An image-folder run's data, checked before anything is written (the folder decoded once, its problems
/// added to the run's), then loaded: the validation set (from <c>val/</c>, or <c>validation.split</c> of
/// <c>train/</c> drawn with the seed) evaluation-transformed into memory, the training set streamed through
/// <see cref="ImageBatchSource"/> when its transforms are random, else held in memory too.
/// </summary>
internal sealed class RunImageFolder
{
    private const string LumaText = "ITU-R BT.601 luma: 0.299 R + 0.587 G + 0.114 B (float32)";
    private const string DecoderText = "SkiaSharp 3.119 (PNG, JPEG, BMP, GIF first frame, WebP) and Transfer's Netpbm reader (binary PGM/PPM); EXIF orientation applied";

    private readonly DataConfig _config;
    private readonly ImageFolderScan _scan;
    private readonly string _channelSource;
    private readonly int _workers;

    private RunImageFolder(DataConfig config, ImageFolderScan scan, TransformPipeline pipeline, string channelSource, int workers)
    {
        _config = config;
        _scan = scan;
        Pipeline = pipeline;
        _channelSource = channelSource;
        _workers = workers;
    }

    /// <summary>The transforms bound to the model's channels.</summary>
    public TransformPipeline Pipeline { get; }

    /// <summary>
    /// Scans the folder and checks it against the config and <paramref name="model"/>, adding every problem to
    /// <paramref name="problems"/>; null when the data is not an image folder or cannot be scanned.
    /// </summary>
    public static RunImageFolder? Check(DataConfig data, nn.Module model, int threads, List<RunProblem> problems)
    {
        if (data.Kind != DataKind.ImageFolder || data.Path is null || problems.Any(p => p.Key == "data.path"))
        {
            return null;
        }

        int workers = data.Workers ?? Math.Max(1, Environment.ProcessorCount - threads);
        ImageFolderScan scan;
        try
        {
            scan = ImageFolderScan.Run(data.Path, workers);
        }
        catch (DataFormatException e)
        {
            problems.Add(new RunProblem("data.path", e.Message));
            return null;
        }

        if (scan.Bad.Count > 0 && data.OnBadImage == BadImagePolicy.Error)
        {
            problems.Add(new RunProblem(
                "data.on_bad_image", $"error, and {Count(scan.Bad.Count, "image")} did not decode, first {scan.Bad[0]} (on_bad_image: skip trains without them)"));
        }

        if (scan.Val is not null && data.ValSplitGiven)
        {
            problems.Add(new RunProblem("validation.split", $"{data.Path} has val/, which is the validation set; remove validation.split (it carves one from train/ when there is no val/)"));
        }
        else if (scan.Val is null && data.ValSplit <= 0)
        {
            problems.Add(new RunProblem("validation.split", $"{data.Path} has no val/, so validation.split must be above 0 to hold out a validation set"));
        }
        else if (scan.Val is null && scan.Train.Count < 2)
        {
            problems.Add(new RunProblem("validation.split", $"{data.Path}/train has {Count(scan.Train.Count, "decodable image")}; a validation split needs at least 2"));
        }

        if (scan.Train.Count == 0 || scan.Val is { Count: 0 })
        {
            problems.Add(new RunProblem("data.path", $"{data.Path}/{(scan.Train.Count == 0 ? "train" : "val")} has no image that decodes ({string.Join(", ", ImageDecoder.Extensions)})"));
        }

        Conv2d? first = model.modules().OfType<Conv2d>().FirstOrDefault();
        int channels = first is null ? (scan.Train.Concat(scan.Val ?? []).Any(i => i.Channels == 3) ? 3 : 1) : (int)first.in_channels;
        string source = first is null
            ? "the images (the model has no convolution to read them from)"
            : string.Create(CultureInfo.InvariantCulture, $"the model's first convolution ({first.in_channels} input channels)");
        if (channels is not (1 or 3))
        {
            problems.Add(new RunProblem("target", $"the model takes {channels}-channel images, but images convert to 1 (gray) or 3 (RGB) channels"));
            return null;
        }

        if (data.Transforms.Normalize.For(channels) is null)
        {
            problems.Add(new RunProblem(
                "data.transforms.normalize", $"has {data.Transforms.Normalize.Mean.Count} means and stds, but the model takes {channels}-channel images"));
            return null;
        }

        TransformPipeline pipeline = new(data.Transforms, channels);
        if (ImageFolderDataset.SizeProblem([.. scan.Train, .. scan.Val ?? []], pipeline) is { } size)
        {
            problems.Add(new RunProblem("data.transforms", size.Message));
        }

        return new RunImageFolder(data, scan, pipeline, source, workers);
    }

    /// <summary>Loads the data (after <see cref="Check"/> found no problem), logging each skipped image once.</summary>
    public RunData Load(long seed, ILogger log)
    {
        foreach (BadImage bad in _scan.Bad)
        {
            log.LogWarning("Skipped image {Image}", bad.ToString());
        }

        (List<ImageEntry> train, List<ImageEntry> val) = _scan.Val is { } v ? ([.. _scan.Train], [.. v]) : Split(_scan.Train, _config.ValSplit, seed);
        train = [.. train.Take(_config.TrainLimit ?? int.MaxValue)];
        val = [.. val.Take(_config.ValLimit ?? int.MaxValue)];
        LabeledTensors validation = ImageFolderDataset.Materialize(val, Pipeline, _scan.Classes.Count, _workers);
        LabeledTensors trainSet;
        try
        {
            trainSet = Pipeline.Transforms.IsRandom ? Streamed(train, seed) : ImageFolderDataset.Materialize(train, Pipeline, _scan.Classes.Count, _workers);
        }
        catch
        {
            validation.Dispose();
            throw;
        }

        string root = _scan.Root;
        log.LogInformation(
            "Data: image folder {Path} ({Train} train, {Val} val, classes {Classes}; {Channels} channel(s) from {Source}; {Mode})",
            root, train.Count, val.Count, string.Join(", ", _scan.Classes), Pipeline.Channels, _channelSource,
            Pipeline.Transforms.IsRandom ? $"training images decoded on {_workers} background thread(s)" : "decoded once into memory");
        DataSets sets = _scan.Val is not null
            ? new DataSets(Invariant($"{root}/train ({train.Count} examples)"), Invariant($"{root}/val ({val.Count} examples)"), null)
            : new DataSets(
                Invariant($"{root}/train minus the validation split ({train.Count} examples)"),
                Invariant($"validation.split {_config.ValSplit} of {root}/train, drawn with seed {seed} ({val.Count} examples)"),
                null);
        return new RunData(trainSet, validation, null, sets)
        {
            Classes = _scan.Classes,
            ImageFolder = Describe(train, val),
            Pipeline = Pipeline,
            UnnormalizedValidation = () => ImageFolderDataset.Materialize(val, Pipeline.Unnormalized(), _scan.Classes.Count, _workers),
        };
    }

    /// <summary>
    /// The validation share of <paramref name="images"/>: round(n × split) of them (at least 1, at most n − 1)
    /// chosen by a Fisher–Yates shuffle keyed by the seed alone (the split's own stream, epoch 0), both parts in
    /// file order.
    /// </summary>
    internal static (List<ImageEntry> Train, List<ImageEntry> Validation) Split(IReadOnlyList<ImageEntry> images, double split, long seed)
    {
        int n = images.Count;
        int held = (int)Math.Clamp(Math.Round(n * split, MidpointRounding.AwayFromZero), 1, Math.Max(1, n - 1));
        int[] order = [.. Enumerable.Range(0, n)];
        SampleRandom random = new(seed, 0, -1);
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.Int(0, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        HashSet<int> validation = [.. order.Take(held)];
        return ([.. images.Where((_, i) => !validation.Contains(i))], [.. images.Where((_, i) => validation.Contains(i))]);
    }

    private LabeledTensors Streamed(List<ImageEntry> train, long seed)
    {
        (int h, int w) = Pipeline.OutputSize(train[0].Height, train[0].Width); // one size for all: a crop, or SizeProblem checked it
        using LabeledTensors probe = ImageFolderDataset.Materialize([.. train.Take(2)], Pipeline, _scan.Classes.Count, 1);
        return new LabeledTensors(probe.Images.clone(), tensor(train.Select(i => (long)i.Label).ToArray()), _scan.Classes.Count)
        {
            Streamed = new ImageBatchSource([.. train.Select(i => i.Path)], Pipeline, seed, _workers, (Pipeline.Channels, h, w)),
        };
    }

    private JsonObject Describe(List<ImageEntry> train, List<ImageEntry> val)
    {
        string root = _scan.Root;
        int converted = train.Concat(val).Count(i => i.Channels != Pipeline.Channels);
        return new JsonObject
        {
            ["classes"] = new JsonArray([.. _scan.Classes.Select(c => (JsonNode)c)]),
            ["channels"] = Pipeline.Channels,
            ["channelsFrom"] = _channelSource,
            ["converted"] = new JsonObject
            {
                ["images"] = converted,
                ["to"] = Pipeline.Channels == 1 ? "gray" : "rgb",
                ["how"] = Pipeline.Channels == 1 ? LumaText : "gray repeated into R, G and B",
            },
            ["decoder"] = DecoderText,
            ["validation"] = _scan.Val is not null ? "val/" : Invariant($"validation.split {_config.ValSplit} of train/"),
            ["transforms"] = Pipeline.Describe(),
            ["onBadImage"] = _config.OnBadImage == BadImagePolicy.Error ? "error" : "skip",
            ["badImages"] = new JsonArray([.. _scan.Bad.Select(b => (JsonNode)new JsonObject
            {
                ["file"] = Path.GetRelativePath(root, b.Path).Replace(Path.DirectorySeparatorChar, '/'),
                ["reason"] = b.Reason,
            })]),
        };
    }

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : string.Create(CultureInfo.InvariantCulture, $"{n} {what}s");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
