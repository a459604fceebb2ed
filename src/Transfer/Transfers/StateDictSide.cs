using TorchSharp;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Rules;

namespace Transfer.Transfers;

/// <summary>
/// One side of a transfer: the named tensors of a checkpoint file, or of a freshly built registered model
/// (<c>LeNet6</c>). Opening a file reads only its header, so planning against it never touches tensor bytes.
/// </summary>
public sealed class StateDictSide : IDisposable
{
    private readonly Checkpoint? _checkpoint;
    private readonly torch.nn.Module? _model;
    private readonly Dictionary<string, CheckpointTensor>? _fileTensors;
    private readonly Dictionary<string, torch.Tensor>? _modelTensors;

    private StateDictSide(string label, Checkpoint checkpoint)
    {
        Label = label;
        _checkpoint = checkpoint;
        Specs = checkpoint.Specs;
        _fileTensors = checkpoint.Tensors.ToDictionary(t => t.Spec.Name, StringComparer.Ordinal);
    }

    private StateDictSide(string label, torch.nn.Module model)
    {
        Label = label;
        _model = model;
        IReadOnlyList<KeyValuePair<string, torch.Tensor>> entries = StateDictOrder.Entries(model);
        _modelTensors = entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        Specs = ModelSpecs.Of(model);
    }

    /// <summary>The file path or model name, as reports show it.</summary>
    public string Label { get; }

    /// <summary>The tensors' names, dtypes and shapes, in state-dict order.</summary>
    public IReadOnlyList<TensorSpec> Specs { get; }

    /// <summary>The checkpoint, when this side is a file.</summary>
    public Checkpoint? Checkpoint => _checkpoint;

    /// <summary>
    /// Opens <paramref name="fileOrModel"/>: an existing file is read as a checkpoint (format detected from its
    /// content), a folder (unless it has a model's name) as the sharded checkpoint whose index it holds;
    /// otherwise a registered model name builds that model with fresh weights.
    /// </summary>
    /// <param name="fileOrModel">A checkpoint path, or a model name from <see cref="ModelRegistry"/>.</param>
    /// <param name="stateDictKey">For checkpoint dicts, the entry holding the state dict; null finds it.</param>
    /// <exception cref="FileNotFoundException">Neither a file nor a registered model has that name.</exception>
    public static StateDictSide Open(string fileOrModel, string? stateDictKey = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileOrModel);
        bool isModel = ModelRegistry.Names.Contains(fileOrModel, StringComparer.OrdinalIgnoreCase);
        if (File.Exists(fileOrModel) || (Directory.Exists(fileOrModel) && !isModel))
        {
            return new StateDictSide(fileOrModel, CheckpointReader.Open(fileOrModel, stateDictKey));
        }

        if (isModel)
        {
            return new StateDictSide(fileOrModel, ModelRegistry.Create(fileOrModel));
        }

        throw new FileNotFoundException(
            $"{fileOrModel}: no such file, and not a built-in model ({string.Join(", ", ModelRegistry.Names)}).");
    }

    /// <summary>
    /// A model as a side (its parameters and buffers in state-dict order), e.g. one built by
    /// <see cref="ModelRegistry.Create"/> with options or an <see cref="AssemblyModel"/>. The side owns the
    /// model and disposes it.
    /// </summary>
    /// <param name="model">The model, with the values a transfer keeps where nothing is loaded.</param>
    /// <param name="label">The name reports give the model.</param>
    public static StateDictSide OfModel(torch.nn.Module model, string label)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(label);
        return new StateDictSide(label, model);
    }

    /// <summary>
    /// A freshly built model as a transfer's target, its parameters first drawn from <paramref name="initSeed"/>
    /// (<see cref="SeededInit"/>, through a private generator), so the values a transfer keeps are the seed's alone,
    /// not whatever torch's process-wide generator gave the constructor. A model with a layer
    /// <see cref="SeededInit"/> cannot initialise keeps every value its constructor drew. The side owns the model.
    /// </summary>
    /// <param name="model">The new model.</param>
    /// <param name="label">The name reports give the model.</param>
    /// <param name="initSeed">The seed its parameters are drawn from (a plan's <c>seed</c>).</param>
    public static StateDictSide OfNewModel(torch.nn.Module model, string label, long initSeed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(label);
        try
        {
            SeededInit.Apply(model, initSeed);
        }
        catch (ArgumentException)
        {
            // A layer SeededInit does not know: nothing was changed, the constructor's values stand (README, apply).
        }

        return OfModel(model, label);
    }

    /// <summary>Opens a file that must exist (a transfer's source is always a checkpoint).</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="stateDictKey">For a PyTorch checkpoint dict, the key holding the state dict; null finds it.</param>
    /// <param name="allowExpansion">As for <see cref="CheckpointReader.Open"/>: accept tensors far larger than the file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static StateDictSide OpenFile(string path, string? stateDictKey = null, bool allowExpansion = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file.");
        }

        return new StateDictSide(path, CheckpointReader.Open(path, stateDictKey, allowExpansion));
    }

    /// <summary>The named tensor of a file side, unread; null when this side is a model or has no such tensor.</summary>
    internal CheckpointTensor? FileTensor(string name) =>
        _fileTensors is not null && _fileTensors.TryGetValue(name, out CheckpointTensor? tensor) ? tensor : null;

    /// <summary>
    /// The named tensor as an entry to write under <paramref name="writeAs"/>: streamed unread from the file,
    /// or the model's own tensor (written as it is when the writer reaches it).
    /// </summary>
    internal CheckpointEntry EntryOf(string name, string writeAs) =>
        _fileTensors is not null ? CheckpointEntry.Of(writeAs, _fileTensors[name]) : CheckpointEntry.Of(writeAs, _modelTensors![name]);

    /// <summary>Reads one tensor into a new CPU tensor the caller owns.</summary>
    public torch.Tensor Load(string name)
    {
        if (_fileTensors is not null)
        {
            return _fileTensors[name].Load();
        }

        using torch.Tensor detached = _modelTensors![name].detach();
        return detached.clone();
    }

    /// <summary>Every tensor in state-dict order, each a new tensor the caller owns.</summary>
    public IReadOnlyList<KeyValuePair<string, torch.Tensor>> LoadAll()
    {
        List<KeyValuePair<string, torch.Tensor>> all = new(Specs.Count);
        try
        {
            foreach (TensorSpec spec in Specs)
            {
                all.Add(new KeyValuePair<string, torch.Tensor>(spec.Name, Load(spec.Name)));
            }

            return all;
        }
        catch
        {
            all.ForEach(e => e.Value.Dispose());
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _checkpoint?.Dispose();
        _model?.Dispose();
    }
}
