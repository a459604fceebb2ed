using System.Runtime.InteropServices;
using TorchSharp;
using Transfer.Data;
using Transfer.FineTuning.Config;
using Transfer.Rules.Errors;
using static TorchSharp.torch;

namespace Transfer.Training;

/// <summary>
/// Before training, one forward pass of a couple of training images, so that data the model cannot take
/// fails in one sentence instead of deep inside an epoch: images whose channels or size the model does not
/// accept, and a head with fewer outputs than the data has classes (which the loss would otherwise report
/// as a native <c>Target 2 is out of bounds</c>). Runs in eval mode without gradients, draws no random
/// numbers and restores the model's train/eval mode, so the run it precedes is unchanged.
/// </summary>
internal static class BatchCheck
{
    /// <summary>Throws a <see cref="RuleConfigException"/> when the model cannot train on this data.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="modelName">How messages name the model.</param>
    /// <param name="train">The training data.</param>
    /// <param name="validation">The validation data.</param>
    /// <param name="config">
    /// The training settings: <c>loss</c> (bce needs a one-logit head and two classes); <c>batch_size</c>, with the
    /// freezing that decides which BatchNorm layers train (a batch of one must not reach a training BatchNorm as one
    /// value per channel).
    /// </param>
    public static void Run(
        nn.Module<Tensor, Tensor> model, string modelName, LabeledTensors train, LabeledTensors validation, FineTuneConfig config)
    {
        FineTuning.Config.LossKind loss = config.Loss;
        if (train.Images.dim() != 4)
        {
            throw new RuleConfigException($"data: images must be [N, C, H, W], but the training set's are {Shape(train.Images, 0)}");
        }

        if (train.Count == 0)
        {
            throw new RuleConfigException("data: the training set is empty");
        }

        long outputs = Outputs(model, modelName, train.Images);
        BatchOfOne(model, modelName, train, config);
        long classes = Math.Max(train.ClassCount, Math.Max(LargestLabel(train), LargestLabel(validation)) + 1);
        if (loss == FineTuning.Config.LossKind.Bce)
        {
            if (classes != 2)
            {
                throw new RuleConfigException(
                    $"finetune.loss: bce trains a binary classifier (labels 0 and 1), but the data has {classes} classes; use loss: cross_entropy");
            }

            if (outputs != 1)
            {
                throw new RuleConfigException(
                    $"finetune.loss: bce needs a one-logit head, but {modelName}'s head has {outputs} outputs; give the model 1 output (e.g. target.classes: 1)");
            }

            return;
        }

        if (outputs < classes)
        {
            throw new RuleConfigException(
                $"target: {modelName}'s head has {outputs} outputs but the data has {classes} classes; give the model {classes} classes (e.g. target.classes: {classes})");
        }
    }

    private static long Outputs(nn.Module<Tensor, Tensor> model, string modelName, Tensor images)
    {
        bool training = model.training;
        Device device = model.parameters().FirstOrDefault()?.device ?? CPU;
        string input = Shape(images);
        try
        {
            using IDisposable scope = torch.NewDisposeScope();
            using IDisposable noGrad = torch.no_grad();
            model.eval();
            Tensor batch = images.narrow(0, 0, Math.Min(2, images.shape[0])).to(device);
            Tensor output = model.forward(batch);
            if (output.dim() != 2 || output.shape[0] != batch.shape[0])
            {
                throw new RuleConfigException(
                    $"target: {modelName} turns images {input} into {Shape(output)}, not one row of class scores per image");
            }

            return output.shape[1];
        }
        catch (Exception e) when (e is ExternalException or ArgumentException)
        {
            throw new RuleConfigException(
                $"data: {modelName} cannot take images of {input} (channels, height, width): {FirstLine(e.Message)}", e);
        }
        finally
        {
            model.train(training);
        }
    }

    /// <summary>
    /// PyTorch refuses a BatchNorm in training mode an input with one value per channel
    /// (<c>Expected more than 1 value per channel when training</c>); TorchSharp computes on, and the layer's running
    /// variance becomes NaN. That happens when a training batch holds one example and the layer sees a 1 × 1 map (or a
    /// BatchNorm1d a [1, C] input): refuse it before training, naming the layer and a batch size that avoids it.
    /// One example goes through the model with its BatchNorm layers alone in training mode (so nothing else, such as
    /// dropout, draws random numbers), without gradients; a layer whose running variance turns NaN is the one, and
    /// every layer's running statistics are put back bit for bit. A layer that stays in eval mode through every epoch
    /// (frozen, and not released by <c>unfreeze</c>, under <c>frozen_bn: eval</c>) uses its running statistics and is
    /// not checked, as PyTorch would accept it.
    /// </summary>
    private static void BatchOfOne(nn.Module<Tensor, Tensor> model, string modelName, LabeledTensors train, FineTuneConfig config)
    {
        long count = train.Count;
        int batchSize = config.BatchSize;
        if (batchSize <= 0 || (batchSize > 1 && count % batchSize != 1 && count != 1))
        {
            return;
        }

        IReadOnlySet<string> evalThroughout = new TrainableParameters(model, config).BatchNormsInEvalThroughout();
        (string Name, TorchSharp.Modules.BatchNorm Norm)[] norms =
        [
            .. model.named_modules()
                .Where(m => m.module is TorchSharp.Modules.BatchNorm { running_mean: not null, running_var: not null } && !evalThroughout.Contains(m.name))
                .Select(m => (m.name, (TorchSharp.Modules.BatchNorm)m.module)),
        ];
        if (norms.Length == 0)
        {
            return;
        }

        bool training = model.training;
        Device device = model.parameters().FirstOrDefault()?.device ?? CPU;
        string? layer = null;
        using (IDisposable scope = torch.NewDisposeScope())
        using (IDisposable noGrad = torch.no_grad())
        {
            Tensor?[][] saved = [.. norms.Select(n => new[] { n.Norm.running_mean!.clone(), n.Norm.running_var!.clone(), n.Norm.num_batches_tracked?.clone() })];
            try
            {
                model.eval();
                foreach ((_, TorchSharp.Modules.BatchNorm norm) in norms)
                {
                    norm.train();
                }

                model.forward(train.Images.narrow(0, 0, 1).to(device));
                layer = norms.Select(n => n.Name).Where((_, i) => norms[i].Norm.running_var!.isnan().any().item<bool>()).FirstOrDefault();
            }
            finally
            {
                for (int i = 0; i < norms.Length; i++)
                {
                    norms[i].Norm.running_mean!.copy_(saved[i][0]!);
                    norms[i].Norm.running_var!.copy_(saved[i][1]!);
                    norms[i].Norm.num_batches_tracked?.copy_(saved[i][2]!);
                }

                model.train(training);
            }
        }

        if (layer is not null)
        {
            string batches = count == 1 ? "the training set holds 1 example"
                : batchSize == 1 ? "finetune.batch_size is 1"
                : $"the last training batch holds 1 example ({count} = {count / batchSize} × {batchSize} + 1)";
            long better = Enumerable.Range(2, (int)Math.Min(count, 4096)).OrderBy(b => Math.Abs(b - batchSize)).FirstOrDefault(b => count % b != 1);
            string fix = count == 1 ? "add training examples" : $"choose a batch_size that leaves no batch of one (e.g. {better})";
            throw new RuleConfigException(
                $"finetune.batch_size: {batches}, and {modelName}'s BatchNorm '{layer}' would then see one value per channel, which PyTorch refuses in training (its running variance would become NaN); {fix}");
        }
    }

    private static long LargestLabel(LabeledTensors data)
    {
        if (data.Count == 0)
        {
            return -1;
        }

        using Tensor max = data.Labels.max();
        return max.item<long>();
    }

    private static string Shape(Tensor tensor, int skip = 1) =>
        $"[{string.Join(", ", tensor.shape.Skip(skip))}]";

    private static string FirstLine(string message) =>
        message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "the forward pass failed";
}
