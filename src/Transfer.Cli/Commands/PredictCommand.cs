using System.CommandLine;
using Transfer.Export;

namespace Transfer.Cli.Commands;

/// <summary>
/// <c>transfer predict &lt;model.onnx&gt; &lt;image ...&gt;</c>: one line per image with its label and class name; an image-folder
/// run's export gets each image through the run's evaluation transform (resize, center crop) first.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        Argument<string> model = new("model.onnx") { Description = "An ONNX classifier (as transfer export writes)." };
        Argument<string[]> images = new("image") { Description = "PNG, JPEG, PGM or PPM images: of the size the model takes, or any size for an image-folder run's export (resized and cropped as its validation was).", Arity = ArgumentArity.OneOrMore };
        Command command = new("predict", "Classify image files with an exported ONNX model.") { model, images };
        command.SetAction(parse => CommandErrors.Run(() => Run(parse.GetValue(model)!, parse.GetValue(images)!, Console.Out)));
        return command;
    }

    internal static int Run(string model, IReadOnlyList<string> images, TextWriter stdout)
    {
        if (!File.Exists(model))
        {
            throw new ModelArguments.Invalid($"{model} does not exist.");
        }

        foreach ((string image, long label, string? name) in OnnxPredictor.Predict(model, images))
        {
            stdout.WriteLine(name is null ? $"{image}: {label}" : $"{image}: {label} ({name})");
        }

        return CommandErrors.Ok;
    }
}
