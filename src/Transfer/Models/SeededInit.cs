using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Transfer.Models;

/// <summary>
/// Re-initialises a model's parameters from a <see cref="Generator"/> the caller owns, with PyTorch's
/// default schemes. TorchSharp's layer constructors draw from torch's process-wide generator, which any other
/// thread may seed or draw from at the same time; re-initialising from a private generator makes a model's
/// starting weights a function of the seed alone, without touching process-wide state.
/// </summary>
public static class SeededInit
{
    /// <summary>
    /// <see cref="Apply(nn.Module, Generator)"/> from a private generator seeded with <paramref name="seed"/>: the
    /// starting weights of a run or of an apply target, the seed's alone.
    /// </summary>
    /// <exception cref="ArgumentException">A module holds parameters of a kind this cannot initialise; nothing was changed.</exception>
    internal static void Apply(nn.Module model, long seed)
    {
        using Generator generator = new(unchecked((ulong)seed));
        Apply(model, generator);
    }

    /// <summary>
    /// Re-initialises every parameter of <paramref name="model"/> in module order: <c>Linear</c> and
    /// convolution weights and biases uniform in ±1/√fan_in (PyTorch's <c>reset_parameters</c>), norm layers'
    /// weights 1 and biases 0, embeddings standard normal. Buffers (BatchNorm running statistics) are left as
    /// they are.
    /// </summary>
    /// <param name="model">The model; every module holding parameters must be one of the kinds above.</param>
    /// <param name="generator">The generator every draw comes from, in a fixed order.</param>
    /// <exception cref="ArgumentException">A module holds parameters of a kind this cannot initialise.</exception>
    public static void Apply(nn.Module model, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(generator);
        List<(string Name, nn.Module Module)> modules = [(string.Empty, model), .. model.named_modules()];
        foreach ((string name, nn.Module module) in modules)
        {
            CheckKnown(name, module);
        }

        using IDisposable noGrad = no_grad();
        HashSet<nn.Module> done = new(ReferenceEqualityComparer.Instance);
        foreach ((string _, nn.Module module) in modules)
        {
            if (done.Add(module))
            {
                Reset(module, generator);
            }
        }
    }

    private static void Reset(nn.Module module, Generator generator)
    {
        Dictionary<string, Parameter> own = module.named_parameters(recurse: false)
            .ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        switch (module)
        {
            case Linear or Convolution when own.TryGetValue("weight", out Parameter? weight):
                double bound = 1 / Math.Sqrt(FanIn(weight));
                foreach (Parameter p in own.Values)
                {
                    // Tensor.uniform_, not nn.init.uniform_: TorchSharp 0.107's init.uniform_ ignores its generator.
                    p.uniform_(-bound, bound, generator);
                }

                break;
            case NormBase or LayerNorm or GroupNorm:
                foreach ((string n, Parameter p) in own)
                {
                    _ = n == "weight" ? nn.init.ones_(p) : nn.init.zeros_(p);
                }

                break;
            case Embedding:
                foreach (Parameter p in own.Values)
                {
                    p.normal_(0, 1, generator);
                }

                break;
        }
    }

    private static void CheckKnown(string name, nn.Module module)
    {
        bool known = module is Linear or Convolution or NormBase or LayerNorm or GroupNorm or Embedding;
        if (!known && module.named_parameters(recurse: false).Any())
        {
            throw new ArgumentException(
                $"Module '{(name.Length == 0 ? "(root)" : name)}' ({module.GetType().Name}) holds parameters SeededInit cannot initialise; initialise them yourself from a Generator.",
                nameof(module));
        }
    }

    private static long FanIn(Tensor weight)
    {
        long fan = weight.dim() > 1 ? weight.shape[1] : weight.shape[0];
        for (int d = 2; d < weight.dim(); d++)
        {
            fan *= weight.shape[d];
        }

        return Math.Max(1, fan);
    }
}
