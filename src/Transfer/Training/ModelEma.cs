using TorchSharp;
using Transfer.Formats;
using Transfer.Models;
using static TorchSharp.torch;

namespace Transfer.Training;

/// <summary>
/// An exponential moving average of a model's state (parameters and buffers), as timm's ModelEma: kept in
/// float32 beside the model and updated after every optimizer step as <c>ema.lerp_(live, 1 - decay)</c>
/// (timm's ModelEmaV3 form of <c>decay * ema + (1 - decay) * live</c>; a tensor that does not change, such as a
/// frozen one, stays bitwise equal to the model's). Integer buffers (BatchNorm's batch count) are copied.
/// </summary>
internal sealed class ModelEma : IDisposable
{
    private readonly List<(string Name, Tensor Average, Tensor Live)> _entries = [];

    /// <summary>Starts the average at the model's current state.</summary>
    public ModelEma(nn.Module model, double decay)
    {
        Decay = decay;
        using IDisposable noGrad = no_grad();
        foreach ((string name, Tensor live) in StateDictOrder.Entries(model))
        {
            Tensor average = live.is_floating_point() ? live.detach().to(float32, copy: true) : live.detach().clone();
            _entries.Add((name, average.DetachFromDisposeScope(), live));
        }
    }

    /// <summary>The weight the average keeps per update.</summary>
    public double Decay { get; }

    /// <summary>Moves the average towards the model's current state.</summary>
    public void Update()
    {
        using DisposeScope scope = NewDisposeScope();
        using IDisposable noGrad = no_grad();
        foreach ((_, Tensor average, Tensor live) in _entries)
        {
            if (average.is_floating_point())
            {
                average.lerp_(live.detach().to(float32), 1 - Decay);
            }
            else
            {
                average.copy_(live);
            }
        }
    }

    /// <summary>Puts the averaged weights into the model until the returned scope is disposed, which restores the model's own bitwise.</summary>
    public IDisposable Swap()
    {
        List<Tensor> saved = [];
        using (no_grad())
        {
            foreach ((_, Tensor average, Tensor live) in _entries)
            {
                saved.Add(live.detach().clone().DetachFromDisposeScope());
                live.copy_(average);
            }
        }

        return new Restore(_entries.Select(e => e.Live).ToList(), saved);
    }

    /// <summary>Puts the averaged weights into the model for good (the run's final weights).</summary>
    public void CopyIntoModel()
    {
        using IDisposable noGrad = no_grad();
        foreach ((_, Tensor average, Tensor live) in _entries)
        {
            live.copy_(average);
        }
    }

    /// <summary>Writes the average (float32, state-dict names) as a safetensors file.</summary>
    public void Save(string path) =>
        CheckpointWriter.Write(path, _entries.Select(e => new KeyValuePair<string, Tensor>(e.Name, e.Average)).ToList());

    /// <summary>Reads an average written by <see cref="Save"/> back, bitwise.</summary>
    public void Load(string path)
    {
        Dictionary<string, Tensor> byName = _entries.ToDictionary(e => e.Name, e => e.Average, StringComparer.Ordinal);
        using Checkpoint file = CheckpointReader.Open(path);
        using IDisposable noGrad = no_grad();
        foreach (CheckpointTensor tensor in file.Tensors)
        {
            using Tensor value = tensor.Load();
            byName[tensor.Spec.Name].copy_(value);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach ((_, Tensor average, _) in _entries)
        {
            average.Dispose();
        }
    }

    private sealed class Restore(List<Tensor> live, List<Tensor> saved) : IDisposable
    {
        public void Dispose()
        {
            using IDisposable noGrad = no_grad();
            for (int i = 0; i < live.Count; i++)
            {
                live[i].copy_(saved[i]);
                saved[i].Dispose();
            }

            saved.Clear();
        }
    }
}
