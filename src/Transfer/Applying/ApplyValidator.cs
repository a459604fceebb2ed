using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;

namespace Transfer.Applying;

/// <summary>
/// The one check every apply path runs before it reads a single tensor: the plan must be valid by its own
/// rules (<see cref="TransferPlan.EnsureValid"/>), and every entry that copies must fit the actual source and
/// target specs (names present, each target written once, shapes and dtypes as planned, a dtype change only
/// where the entry says cast, whole copies of equal shape, partial copies of equal rank). Pure: specs in, copies or one exception listing every problem out.
/// </summary>
internal static class ApplyValidator
{
    private const int Shown = 20;

    /// <summary>The copies and inits the plan makes, in plan order, once every check has passed.</summary>
    /// <exception cref="TransferPlanException">The plan is invalid or does not fit the source or the target.</exception>
    public static ApplySteps Validate(TransferPlan plan, IReadOnlyList<TensorSpec> source, IReadOnlyList<TensorSpec> target)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        plan.EnsureValid();

        List<string> problems = [];
        Dictionary<string, TensorSpec> sources = new(StringComparer.Ordinal);
        foreach (TensorSpec spec in source)
        {
            if (!sources.TryAdd(spec.Name, spec))
            {
                problems.Add($"Source holds '{spec.Name}' twice.");
            }
        }

        Dictionary<string, TensorSpec> targets = new(StringComparer.Ordinal);
        foreach (TensorSpec spec in target)
        {
            if (!targets.TryAdd(spec.Name, spec))
            {
                problems.Add($"Target state dict holds '{spec.Name}' twice.");
            }
        }

        List<PlannedCopy> copies = [];
        List<PlannedInit> inits = [];
        HashSet<string> written = new(StringComparer.Ordinal);
        foreach (PlanEntry entry in plan.Entries.Where(Initializes))
        {
            if (CheckInit(entry, targets, written) is { } problem)
            {
                problems.Add(problem);
            }
            else
            {
                inits.Add(new PlannedInit(entry, targets[entry.Target!], plan.Seed));
            }
        }

        foreach (PlanEntry entry in plan.Entries.Where(e => e.Status is EntryStatus.Loaded or EntryStatus.Partial))
        {
            if (Check(entry, sources, targets, written) is { } problem)
            {
                problems.Add(problem);
            }
            else
            {
                copies.Add(new PlannedCopy(entry, sources[entry.Source!], targets[entry.Target!]));
            }
        }

        if (problems.Count == 0)
        {
            return new ApplySteps(copies, inits);
        }

        if (problems.Count == 1)
        {
            throw new TransferPlanException(problems[0], plan);
        }

        string listed = string.Join("; ", problems.Take(Shown).Select(p => p.TrimEnd('.')))
            + (problems.Count > Shown ? $"; and {problems.Count - Shown} more." : ".");
        throw new TransferPlanException(
            $"The plan from {plan.SourceName} to {plan.TargetName} cannot be applied ({problems.Count} problems): {listed}", plan);
    }

    /// <summary>True for a target entry no source fills whose init policy writes values (anything but keep).</summary>
    private static bool Initializes(PlanEntry e) =>
        e.Status is EntryStatus.Missing or EntryStatus.Skipped && e.Init is { Kind: not InitKind.Keep };

    /// <summary>The first thing wrong with one entry to initialise, or null.</summary>
    private static string? CheckInit(PlanEntry entry, Dictionary<string, TensorSpec> targets, HashSet<string> written)
    {
        if (entry.Target is not { } key)
        {
            return "Plan entry with an init policy lacks a target key.";
        }

        if (TargetProblem(entry, key, targets, written, out TensorSpec into) is { } problem)
        {
            return problem;
        }

        TensorInit init = entry.Init!;
        if (init.IsRandom && into.DType is not ("float16" or "bfloat16" or "float32" or "float64"))
        {
            return $"Cannot initialise '{key}' with {init}: it is {into.DType}, not floating point.";
        }

        if (init.NeedsFans && into.Shape.Count < 2)
        {
            return $"Cannot initialise '{key}' with {init}: it is {TensorSpec.FormatShape(into.Shape)} and fans need 2 or more dimensions.";
        }

        return null;
    }

    /// <summary>What is wrong with the target side of an entry that writes <paramref name="key"/> (once, known, of the planned shape), or null.</summary>
    private static string? TargetProblem(PlanEntry entry, string key, Dictionary<string, TensorSpec> targets, HashSet<string> written, out TensorSpec into)
    {
        into = null!;
        if (!written.Add(key))
        {
            return $"Plan writes target '{key}' more than once.";
        }

        if (!targets.TryGetValue(key, out TensorSpec? found))
        {
            return $"Plan target '{key}' is not in the target.";
        }

        into = found;
        return entry.TargetShape is not null && !entry.TargetShape.SequenceEqual(found.Shape)
            ? $"Target '{key}' is {TensorSpec.FormatShape(found.Shape)} but the plan expected {TensorSpec.FormatShape(entry.TargetShape)}."
            : null;
    }

    /// <summary>The first thing wrong with one copying entry, or null.</summary>
    private static string? Check(PlanEntry entry, Dictionary<string, TensorSpec> sources, Dictionary<string, TensorSpec> targets, HashSet<string> written)
    {
        string status = entry.Status == EntryStatus.Loaded ? "loaded" : "partial";
        if (entry.Target is null || entry.Source is null)
        {
            return $"Plan entry marked {status} lacks a {(entry.Target is null ? "target" : "source")} key (target '{entry.Target}', source '{entry.Source}').";
        }

        string key = entry.Target;
        if (TargetProblem(entry, key, targets, written, out TensorSpec into) is { } problem)
        {
            return problem;
        }

        if (entry.TargetDtype is not null && entry.TargetDtype != into.DType)
        {
            return $"Target '{key}' is {into.DType} but the plan expected {entry.TargetDtype}.";
        }

        if (!sources.TryGetValue(entry.Source, out TensorSpec? from))
        {
            return $"Source tensor '{entry.Source}' is not in the source.";
        }

        if (entry.SourceShape is not null && !entry.SourceShape.SequenceEqual(from.Shape))
        {
            return $"Source '{entry.Source}' is {TensorSpec.FormatShape(from.Shape)} but the plan expected {TensorSpec.FormatShape(entry.SourceShape)}.";
        }

        if (entry.SourceDtype is not null && entry.SourceDtype != from.DType)
        {
            return $"Source '{entry.Source}' is {from.DType} but the plan expected {entry.SourceDtype}.";
        }

        if (from.DType != into.DType && !entry.Cast)
        {
            return $"Plan entry for '{key}' does not say cast, but its source '{entry.Source}' is {from.DType} and the target is {into.DType}.";
        }

        if (entry.Status == EntryStatus.Loaded && !from.SameShape(into))
        {
            return $"Cannot load '{key}' from '{entry.Source}': source {TensorSpec.FormatShape(from.Shape)} and target {TensorSpec.FormatShape(into.Shape)} differ and shapes are never broadcast.";
        }

        if (entry.Status == EntryStatus.Partial && entry.Policy == ShapePolicy.AdaptChannels && !ChannelAdaptation.Fits(from.Shape, into.Shape))
        {
            return $"Cannot adapt '{entry.Source}' {TensorSpec.FormatShape(from.Shape)} to '{key}' {TensorSpec.FormatShape(into.Shape)}: adapt_channels needs 4-D weights that differ only in dim 1.";
        }

        if (entry.Status == EntryStatus.Partial && from.Shape.Count != into.Shape.Count)
        {
            return $"Cannot slice '{entry.Source}' {TensorSpec.FormatShape(from.Shape)} into '{key}' {TensorSpec.FormatShape(into.Shape)}: their ranks differ.";
        }

        return null;
    }
}
