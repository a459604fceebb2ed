using System.Globalization;
using TorchSharp;
using Transfer.Rules;

namespace Transfer.Models;

/// <summary>
/// Makes models by name, so configs and the CLI can say <c>model: LeNet6</c>. Built in: <c>LeNet5</c>,
/// <c>LeNet6</c> (option <c>classes</c>, default 10), <c>MLP</c> (options <c>input</c> default 784,
/// <c>hidden</c> comma-separated widths default <c>256,128</c>, <c>classes</c> default 10) and <c>ResNet18</c>
/// (options <c>classes</c> default 1000, <c>in_channels</c> default 3, also spelt <c>in_chans</c> as in timm).
/// Names are case-insensitive.
/// </summary>
public static class ModelRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, Func<IReadOnlyDictionary<string, string>, torch.nn.Module>> Factories =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["LeNet5"] = o => new LeNet5(Options.Int(o, "LeNet5", "classes", 10, "classes")),
            ["LeNet6"] = o => new LeNet6(Options.Int(o, "LeNet6", "classes", 10, "classes")),
            ["MLP"] = o => new Mlp(
                Options.Int(o, "MLP", "input", 784, "input", "hidden", "classes"),
                Options.Sizes(o, "MLP", "hidden", [256, 128]),
                Options.Int(o, "MLP", "classes", 10, "input", "hidden", "classes")),
            ["ResNet18"] = o => new ResNet18(
                Options.Int(o, "ResNet18", "classes", 1000, "classes", "in_channels", "in_chans"),
                Options.Int(o, "ResNet18", Options.Spelling(o, "ResNet18", "in_channels", "in_chans"), 3, "classes", "in_channels", "in_chans")),
        };

    /// <summary>The registered names, sorted.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (Gate)
            {
                return Factories.Keys.Order(StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Creates a fresh, randomly initialized model.</summary>
    /// <param name="name">A registered name (case-insensitive).</param>
    /// <param name="options">Model options as strings, as they come from YAML or the command line.</param>
    /// <exception cref="ModelConfigException">The name or an option is unknown or invalid.</exception>
    public static torch.nn.Module Create(string name, IReadOnlyDictionary<string, string>? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        Func<IReadOnlyDictionary<string, string>, torch.nn.Module>? factory;
        lock (Gate)
        {
            Factories.TryGetValue(name, out factory);
        }

        if (factory is null)
        {
            throw new ModelConfigException(
                $"Unknown model '{name}';{DidYouMean(name, Names)} Known models: {string.Join(", ", Names)}.");
        }

        return factory(options ?? new Dictionary<string, string>());
    }

    /// <summary>Adds or replaces a model factory, so applications can plan onto their own models by name.</summary>
    public static void Register(string name, Func<IReadOnlyDictionary<string, string>, torch.nn.Module> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Gate)
        {
            Factories[name] = factory;
        }
    }

    /// <summary>" did you mean 'x'?" for a close candidate (ordinal order breaks ties), else nothing.</summary>
    private static string DidYouMean(string name, IEnumerable<string> candidates) =>
        NameSuggestion.Suggest(name, candidates.Order(StringComparer.Ordinal)) is { } best ? $" did you mean '{best}'?" : string.Empty;

    /// <summary>Parses model options and rejects unknown ones with the closest known option.</summary>
    private static class Options
    {
        public static int Int(IReadOnlyDictionary<string, string> options, string model, string key, int fallback, params string[] known)
        {
            CheckKnown(options, model, known.Length == 0 ? [key] : known);
            if (!options.TryGetValue(key, out string? text))
            {
                return fallback;
            }

            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
            {
                throw new ModelConfigException($"Model '{model}' option '{key}' must be a positive integer, not '{text}'.");
            }

            return value;
        }

        public static IReadOnlyList<long> Sizes(IReadOnlyDictionary<string, string> options, string model, string key, long[] fallback)
        {
            if (!options.TryGetValue(key, out string? text))
            {
                return fallback;
            }

            if (text.Trim().Length == 0)
            {
                return [];
            }

            List<long> sizes = new();
            foreach (string part in text.Split(','))
            {
                if (!long.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long size) || size < 1)
                {
                    throw new ModelConfigException(
                        $"Model '{model}' option '{key}' must be comma-separated positive integers, not '{text}'.");
                }

                sizes.Add(size);
            }

            return sizes;
        }

        /// <summary>
        /// Which of two spellings of one option the options use (<c>in_channels</c>, or timm's <c>in_chans</c>):
        /// the first when neither is given; both at once is refused.
        /// </summary>
        public static string Spelling(IReadOnlyDictionary<string, string> options, string model, string key, string alias)
        {
            if (options.ContainsKey(key) && options.ContainsKey(alias))
            {
                throw new ModelConfigException($"Model '{model}' options '{key}' and '{alias}' are the same option; give one.");
            }

            return options.ContainsKey(alias) ? alias : key;
        }

        private static void CheckKnown(IReadOnlyDictionary<string, string> options, string model, string[] known)
        {
            foreach (string key in options.Keys.Order(StringComparer.Ordinal))
            {
                if (!known.Contains(key, StringComparer.Ordinal))
                {
                    throw new ModelConfigException(
                        $"Model '{model}' has no option '{key}';{DidYouMean(key, known)} Options: {string.Join(", ", known)}.");
                }
            }
        }
    }
}
