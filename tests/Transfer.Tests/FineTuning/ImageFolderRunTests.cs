using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Tests.Cli;
using Transfer.Tests.Data.Images;
using Transfer.Tests.Models;

namespace Transfer.Tests.FineTuning;

/// <summary>
/// The issue's "done when" for data, as a user would try it through the CLI: a folder of JPEG and PNG photos of
/// mixed sizes in three class folders and no val/ trains the built-in ResNet18 with resize, random resized
/// crop, flip and ImageNet normalisation; classes.json is written; a run stopped mid-epoch with SIGINT and
/// resumed ends bitwise equal to an uninterrupted one (the streamed, augmented batches are the same).
/// </summary>
public sealed class ImageFolderRunTests : IDisposable
{
    private const string Config = """
        seed: 3
        source: { path: resnet18-10.pt }
        target: { model: ResNet18, classes: 3 }
        data:
          kind: imagefolder
          path: photos
          transforms:
            resize: 40
            random_resized_crop: { size: 32, scale: [0.5, 1.0], ratio: [0.75, 1.3333] }
            horizontal_flip: { p: 0.5 }
            normalize: imagenet
          on_bad_image: skip
          workers: 2
        validation: { split: 0.2 }
        finetune:
          device: cpu
          epochs: 2
          batch_size: 2
          optimizer: { type: sgd, lr: 0.01, momentum: 0.9 }
        """;

    private readonly string _dir = TinyRun.TempDir();

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Writes the photo folder, a ResNet18 (10 classes) source checkpoint and the config; returns the config's path.</summary>
    private string Setup()
    {
        PhotoFolder.Create(Path.Combine(_dir, "photos"), ["cat", "dog", "bird"], perClass: 10, minSide: 24, seed: 1);
        ResNet18Source.Write(Path.Combine(_dir, "resnet18-10.pt"), seed: 10);

        string config = Path.Combine(_dir, "run.yaml");
        File.WriteAllText(config, Config);
        return config;
    }

    [Fact]
    public async Task A_photo_folder_without_val_trains_resnet18_writes_classes_and_a_sigint_resume_ends_bitwise_equal()
    {
        string config = Setup();
        string whole = Path.Combine(_dir, "whole");
        var first = CliProcess.Run("run", config, "--out", whole);
        Assert.True(first.Code == 0, first.Err);

        Assert.Equal("[\n  \"bird\",\n  \"cat\",\n  \"dog\"\n]\n", File.ReadAllText(Path.Combine(whole, "classes.json")));
        using (JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(whole, "report.json"))))
        {
            JsonElement data = report.RootElement.GetProperty("data");
            Assert.Equal($"{Path.Combine(_dir, "photos")}/train minus the validation split (24 examples)", data.GetProperty("train").GetString());
            Assert.Equal($"validation.split 0.2 of {Path.Combine(_dir, "photos")}/train, drawn with seed 3 (6 examples)", data.GetProperty("validation").GetString());
            JsonElement images = data.GetProperty("imagefolder");
            Assert.Equal(["bird", "cat", "dog"], images.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(3, images.GetProperty("channels").GetInt32());
            Assert.Equal(
                """[{"resize":40},{"random_resized_crop":{"size":32,"scale":[0.5,1],"ratio":[0.75,1.3333],"attempts":10}},{"horizontal_flip":{"p":0.5}},{"normalize":{"preset":"imagenet","mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225]}}]""",
                images.GetProperty("transforms").GetProperty("train").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
            Assert.Equal(
                """[{"resize":40},{"center_crop":32},{"normalize":{"preset":"imagenet","mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225]}}]""",
                images.GetProperty("transforms").GetProperty("evaluation").GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal));
            Assert.Equal(0, images.GetProperty("badImages").GetArrayLength());
        }

        string stopped = Path.Combine(_dir, "stopped");
        (int code, _, _) = await CliStops.StopAt("INT", epoch: 2, batch: 5, null, "run", config, "--out", stopped);

        Assert.Equal(130, code);
        string checkpoint = Assert.Single(Directory.GetDirectories(Path.Combine(stopped, "checkpoints")).Select(d => Path.GetFileName(d)!));
        Assert.Equal("epoch-0002-at-10", checkpoint); // stopped inside the second epoch, after its fifth batch of 2
        Assert.False(File.Exists(Path.Combine(stopped, "final.safetensors")));

        var resumed = CliProcess.Run("run", config, "--out", stopped, "--resume");
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "final.safetensors")), File.ReadAllBytes(Path.Combine(stopped, "final.safetensors")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "classes.json")), File.ReadAllBytes(Path.Combine(stopped, "classes.json")));
        Assert.Equal(
            MetricsRows.WithoutSeconds(whole),
            MetricsRows.WithoutSeconds(stopped));
    }

    [Fact]
    public void Under_on_bad_image_error_a_corrupt_image_refuses_the_run_before_anything_is_written()
    {
        string config = Setup();
        string bad = Path.Combine(_dir, "photos", "train", "dog", "zz-broken.jpg");
        File.WriteAllBytes(bad, File.ReadAllBytes(Path.Combine(_dir, "photos", "train", "dog", "000.jpg"))[..200]);
        string outDir = Path.Combine(_dir, "out");

        var run = CliProcess.Run("run", config, "--out", outDir, "--set", "data.on_bad_image=error");

        Assert.Equal(2, run.Code);
        Assert.Equal(
            $"error: data.on_bad_image: error, and 1 image did not decode, first {bad}: is truncated (the header ends early) (on_bad_image: skip trains without them)",
            run.Err.TrimEnd('\n').Split('\n')[^1]);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Under_skip_a_corrupt_image_is_listed_once_in_the_log_and_report_and_training_goes_on_without_it()
    {
        string config = Setup();
        string bad = Path.Combine(_dir, "photos", "train", "cat", "000-text.png");
        File.WriteAllText(bad, "not a picture");
        string outDir = Path.Combine(_dir, "out");

        var run = CliProcess.Run("run", config, "--out", outDir, "--set", "finetune.epochs=1");

        Assert.True(run.Code == 0, run.Err);
        Assert.Single(run.Err.Split('\n'), l => l.Contains("000-text.png", StringComparison.Ordinal));
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")));
        JsonElement listed = Assert.Single(report.RootElement.GetProperty("data").GetProperty("imagefolder").GetProperty("badImages").EnumerateArray());
        Assert.Equal("train/cat/000-text.png", listed.GetProperty("file").GetString());
        Assert.Equal("not a PNG, JPEG, BMP, GIF, WebP or binary PGM/PPM image (unrecognised format)", listed.GetProperty("reason").GetString());
        Assert.Equal(
            $"{Path.Combine(_dir, "photos")}/train minus the validation split (24 examples)",
            report.RootElement.GetProperty("data").GetProperty("train").GetString());
    }

    [Fact]
    public void A_folder_with_val_refuses_a_validation_split_and_one_without_val_needs_a_split_above_zero()
    {
        string config = Setup();
        string photos = Path.Combine(_dir, "photos");
        var noSplit = CliProcess.Run("run", config, "--out", Path.Combine(_dir, "a"), "--set", "validation.split=0");
        Assert.Equal(2, noSplit.Code);
        Assert.Equal(
            $"error: validation.split: {photos} has no val/, so validation.split must be above 0 to hold out a validation set",
            noSplit.Err.TrimEnd('\n').Split('\n')[^1]);

        Directory.CreateDirectory(Path.Combine(photos, "val", "cat"));
        File.Copy(Path.Combine(photos, "train", "cat", "000.jpg"), Path.Combine(photos, "val", "cat", "000.jpg"));
        var both = CliProcess.Run("run", config, "--out", Path.Combine(_dir, "b"));
        Assert.Equal(2, both.Code);
        Assert.Equal(
            $"error: validation.split: {photos} has val/, which is the validation set; remove validation.split (it carves one from train/ when there is no val/)",
            both.Err.TrimEnd('\n').Split('\n')[^1]);
        Assert.False(Directory.Exists(Path.Combine(_dir, "a")) || Directory.Exists(Path.Combine(_dir, "b")));
    }
}
