using System.Globalization;
using Microsoft.Extensions.Logging;
using Transfer.Data;
using Transfer.Data.Idx;
using Transfer.FineTuning.Config;
using Transfer.Training;
using static TorchSharp.torch;

namespace Transfer.FineTuning;

/// <summary>
/// The data of a run: what it trains on, the validation set that picks <c>best</c> (and drives early
/// stopping), and an optional test set evaluated once at the end, each with a description reports use to say
/// which set a number comes from.
/// </summary>
internal sealed record RunData(LabeledTensors Train, LabeledTensors Validation, LabeledTensors? Test, DataSets Sets) : IDisposable
{
    /// <summary>The class names in label order (an image folder's sorted class folders), or null when the data does not name them.</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>The image folder's <c>report.json</c> record (<see cref="RunImageFolder"/>), or null for other data.</summary>
    public System.Text.Json.Nodes.JsonObject? ImageFolder { get; init; }

    /// <summary>An image folder's transforms bound to the model's channels, or null for other data.</summary>
    public Transfer.Data.Transforms.TransformPipeline? Pipeline { get; init; }

    /// <summary>
    /// Decodes the validation images again through the evaluation pipeline without its normalisation (which an
    /// export puts in its graph), or null for other data; the caller disposes the result.
    /// </summary>
    public Func<LabeledTensors>? UnnormalizedValidation { get; init; }

    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
        Test?.Dispose();
    }

    /// <summary>
    /// Loads the config's idx data (an image folder loads through <see cref="RunImageFolder"/>). For idx data with <c>validation.split</c> &gt; 0, the validation set is that share of the
    /// training set, drawn by a generator seeded from <paramref name="seed"/> (both parts keep file order), and
    /// the idx test set is the test set; otherwise the test set validates and there is no held-out test.
    /// </summary>
    public static RunData Load(DataConfig data, long seed, ILogger log)
    {
        using FashionMnistData idx = FashionMnist.Locate(data.Path);
        log.LogInformation("Data: {Description}", idx.Description);
        if (data.ValSplit <= 0)
        {
            LabeledTensors train = Take(idx.Train, null, data.TrainLimit);
            LabeledTensors validation = Take(idx.Test, null, data.ValLimit);
            return new RunData(train, validation, null, new DataSets(
                Invariant($"idx training set ({train.Count} examples)"),
                Invariant($"idx test set ({validation.Count} examples; validation.split 0, so there is no held-out test result)"),
                null));
        }

        long total = idx.Train.Count;
        long held = Math.Clamp((long)Math.Round(total * data.ValSplit, MidpointRounding.AwayFromZero), 1, Math.Max(1, total - 1));
        using Generator generator = new(EpochRunner.ShuffleSeed(seed, 0)); // epochs count from 1: 0 is the split's own stream
        using Tensor order = randperm(total, generator: generator);
        using Tensor validationRows = order.narrow(0, 0, held).sort().Values;
        using Tensor trainRows = order.narrow(0, held, total - held).sort().Values;
        LabeledTensors trainPart = Take(idx.Train, trainRows, data.TrainLimit);
        LabeledTensors validationPart = Take(idx.Train, validationRows, data.ValLimit);
        LabeledTensors test = Take(idx.Test, null, null);
        log.LogInformation(
            "Validation: {Count} of {Total} training examples held out (validation.split {Split}, seed {Seed}); test set: {Test} examples, evaluated once at the end",
            validationPart.Count, total, data.ValSplit, seed, test.Count);
        return new RunData(trainPart, validationPart, test, new DataSets(
            Invariant($"idx training set minus the validation split ({trainPart.Count} examples)"),
            Invariant($"validation.split {data.ValSplit} of the idx training set, drawn with seed {seed} ({validationPart.Count} examples)"),
            Invariant($"idx test set ({test.Count} examples)")));
    }

    private static LabeledTensors Take(LabeledTensors all, Tensor? rows, int? limit)
    {
        using Tensor images = rows is null ? all.Images.alias() : all.Images.index_select(0, rows);
        using Tensor labels = rows is null ? all.Labels.alias() : all.Labels.index_select(0, rows);
        long n = Math.Min(limit ?? long.MaxValue, labels.shape[0]);
        return new LabeledTensors(images.narrow(0, 0, n).clone(), labels.narrow(0, 0, n).clone(), all.ClassCount);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>What each data set of a run is, in words reports print next to the numbers measured on it.</summary>
/// <param name="Train">The training set.</param>
/// <param name="Validation">The set evaluated after every epoch (val_loss, val_acc; picks best).</param>
/// <param name="Test">The held-out set evaluated once at the end, if any.</param>
internal sealed record DataSets(string Train, string Validation, string? Test);
