using TorchSharp;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;

namespace Transfer.Applying;

/// <summary>
/// Carries out a <see cref="TransferPlan"/>: copies the source tensors the plan marks <c>loaded</c> (whole,
/// cast to the target dtype when they differ) or <c>partial</c> (the overlapping leading block in every
/// dimension) into a live model or into a copy of a target state dict. The whole plan is validated and every
/// needed source tensor is loaded and checked before the first write, so a failure leaves the target
/// untouched. Copies never broadcast and never change <c>requires_grad</c>. Targets the plan gives an init
/// policy other than keep are filled after the copies, each from its own generator seeded from
/// <see cref="TransferPlan.Seed"/> and its key.
/// </summary>
/// <remarks>
/// Sources come either as a dictionary the caller owns (nothing in it is disposed) or as a loader function
/// whose returned tensors the applier owns and disposes once the copy is done.
/// </remarks>
public static class PlanApplier
{
    /// <summary>Applies the plan to a live model's parameters and buffers, in place.</summary>
    /// <exception cref="TransferPlanException">The plan does not fit the source or the model; nothing was written.</exception>
    public static ApplyReport Apply(TransferPlan plan, torch.nn.Module target, IReadOnlyDictionary<string, torch.Tensor> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Apply(plan, target, name => FromDictionary(source, name, plan));
    }

    /// <summary>Applies the plan to a live model, loading each source tensor through <paramref name="loadSource"/>.</summary>
    /// <param name="plan">The plan; only its <c>loaded</c> and <c>partial</c> entries copy anything.</param>
    /// <param name="target">The model; its <c>state_dict()</c> keys are the plan's target keys.</param>
    /// <param name="loadSource">Returns the source tensor for a key; the applier disposes what it returns.</param>
    /// <exception cref="TransferPlanException">The plan does not fit the source or the model; nothing was written.</exception>
    public static ApplyReport Apply(TransferPlan plan, torch.nn.Module target, Func<string, torch.Tensor> loadSource)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(loadSource);
        Dictionary<string, torch.Tensor> targets = target.state_dict();
        return Run(plan, targets, loadSource);
    }

    /// <summary>
    /// Merges source values into a copy of a target state dict, for writing to a file: every target key in
    /// target order, source values where the plan loads them. The target tensors are not modified.
    /// </summary>
    /// <exception cref="TransferPlanException">The plan does not fit the source or the target.</exception>
    public static MergedStateDict Merge(
        TransferPlan plan, IReadOnlyList<KeyValuePair<string, torch.Tensor>> target, IReadOnlyDictionary<string, torch.Tensor> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Merge(plan, target, name => FromDictionary(source, name, plan));
    }

    /// <summary>As <see cref="Merge(TransferPlan, IReadOnlyList{KeyValuePair{string, torch.Tensor}}, IReadOnlyDictionary{string, torch.Tensor})"/>, loading sources through a function whose results the applier disposes.</summary>
    /// <exception cref="TransferPlanException">The plan does not fit the source or the target.</exception>
    public static MergedStateDict Merge(
        TransferPlan plan, IReadOnlyList<KeyValuePair<string, torch.Tensor>> target, Func<string, torch.Tensor> loadSource)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(loadSource);

        HashSet<string> written = plan.Entries
            .Where(e => (e.Status is EntryStatus.Loaded or EntryStatus.Partial || Initializes(e)) && e.Target is not null)
            .Select(e => e.Target!)
            .ToHashSet(StringComparer.Ordinal);
        List<KeyValuePair<string, torch.Tensor>> merged = new(target.Count);
        try
        {
            foreach ((string name, torch.Tensor tensor) in target)
            {
                // Tensors the plan writes get their own storage; the rest share the target's.
                torch.Tensor copy = written.Contains(name) ? tensor.detach().clone() : tensor.alias();
                merged.Add(new KeyValuePair<string, torch.Tensor>(name, copy));
            }

            Dictionary<string, torch.Tensor> byName = new(StringComparer.Ordinal);
            foreach ((string name, torch.Tensor tensor) in merged)
            {
                if (!byName.TryAdd(name, tensor))
                {
                    throw new TransferPlanException($"Target state dict holds '{name}' twice.", plan);
                }
            }

            ApplyReport report = Run(plan, byName, loadSource);
            return new MergedStateDict(merged, report);
        }
        catch
        {
            foreach (KeyValuePair<string, torch.Tensor> entry in merged)
            {
                entry.Value.Dispose();
            }

            throw;
        }
    }

    private static ApplyReport Run(TransferPlan plan, IReadOnlyDictionary<string, torch.Tensor> targets, Func<string, torch.Tensor> loadSource)
    {
        List<PlannedCopy> copies = new();
        try
        {
            HashSet<string> seen = new(StringComparer.Ordinal);
            List<PlannedInit> inits = [.. plan.Entries.Where(Initializes).Select(e => PrepareInit(plan, e, targets, seen))];
            foreach (PlanEntry entry in plan.Entries.Where(e => e.Status is EntryStatus.Loaded or EntryStatus.Partial))
            {
                copies.Add(Prepare(plan, entry, targets, loadSource, seen));
            }

            using (torch.no_grad())
            {
                foreach (PlannedCopy copy in copies)
                {
                    using DisposeScope scope = torch.NewDisposeScope();
                    copy.Write();
                }

                foreach (PlannedInit init in inits)
                {
                    using DisposeScope scope = torch.NewDisposeScope();
                    init.Write();
                }
            }

            return new ApplyReport(
                copies.Count(c => !c.IsPartial),
                copies.Count(c => c.IsPartial),
                copies.Sum(c => c.Elements),
                copies.Count(c => c.Source.dtype != c.Target.dtype))
            {
                Initialized = inits.Count,
            };
        }
        finally
        {
            foreach (PlannedCopy copy in copies)
            {
                copy.Source.Dispose();
            }
        }
    }

    /// <summary>True for a target entry no source fills whose init policy writes values (anything but keep).</summary>
    private static bool Initializes(PlanEntry e) =>
        e.Status is EntryStatus.Missing or EntryStatus.Skipped && e.Init is { Kind: not InitKind.Keep };

    /// <summary>Checks that a target to initialise exists as planned and can take its policy.</summary>
    private static PlannedInit PrepareInit(
        TransferPlan plan, PlanEntry entry, IReadOnlyDictionary<string, torch.Tensor> targets, HashSet<string> seen)
    {
        string key = entry.Target ?? throw new TransferPlanException("Plan entry with an init policy lacks a target key.", plan);
        if (!seen.Add(key))
        {
            throw new TransferPlanException($"Plan writes target '{key}' more than once.", plan);
        }

        if (!targets.TryGetValue(key, out torch.Tensor? target))
        {
            throw new TransferPlanException($"Plan target '{key}' is not in the target.", plan);
        }

        if (entry.TargetShape is not null && !entry.TargetShape.SequenceEqual(target.shape))
        {
            throw new TransferPlanException(
                $"Target '{key}' is {TensorSpec.FormatShape(target.shape)} but the plan expected {TensorSpec.FormatShape(entry.TargetShape)}.", plan);
        }

        TensorInit init = entry.Init!;
        if (init.IsRandom && !torch.is_floating_point(target))
        {
            throw new TransferPlanException(
                $"Cannot initialise '{key}' with {init}: it is {ModelSpecs.DTypeName(target.dtype)}, not floating point.", plan);
        }

        if (init.NeedsFans && target.shape.Length < 2)
        {
            throw new TransferPlanException(
                $"Cannot initialise '{key}' with {init}: it is {TensorSpec.FormatShape(target.shape)} and fans need 2 or more dimensions.", plan);
        }

        return new PlannedInit(entry, target, plan.Seed);
    }

    /// <summary>Checks one entry against the plan, the target and the loaded source; loads nothing it cannot use.</summary>
    private static PlannedCopy Prepare(
        TransferPlan plan,
        PlanEntry entry,
        IReadOnlyDictionary<string, torch.Tensor> targets,
        Func<string, torch.Tensor> loadSource,
        HashSet<string> seen)
    {
        string status = entry.Status == EntryStatus.Loaded ? "loaded" : "partial";
        if (entry.Target is null || entry.Source is null)
        {
            throw new TransferPlanException(
                $"Plan entry marked {status} lacks a {(entry.Target is null ? "target" : "source")} key (target '{entry.Target}', source '{entry.Source}').", plan);
        }

        string key = entry.Target;
        if (!seen.Add(key))
        {
            throw new TransferPlanException($"Plan writes target '{key}' more than once.", plan);
        }

        if (!targets.TryGetValue(key, out torch.Tensor? target))
        {
            throw new TransferPlanException($"Plan target '{key}' is not in the target.", plan);
        }

        if (entry.TargetShape is not null && !entry.TargetShape.SequenceEqual(target.shape))
        {
            throw new TransferPlanException(
                $"Target '{key}' is {TensorSpec.FormatShape(target.shape)} but the plan expected {TensorSpec.FormatShape(entry.TargetShape)}.", plan);
        }

        torch.Tensor source = LoadOne(plan, entry.Source, loadSource);
        try
        {
            string sourceDtype = ModelSpecs.DTypeName(source.dtype);
            if (entry.SourceShape is not null && !entry.SourceShape.SequenceEqual(source.shape))
            {
                throw new TransferPlanException(
                    $"Source '{entry.Source}' is {TensorSpec.FormatShape(source.shape)} but the plan expected {TensorSpec.FormatShape(entry.SourceShape)}.", plan);
            }

            if (entry.SourceDtype is not null && entry.SourceDtype != sourceDtype)
            {
                throw new TransferPlanException(
                    $"Source '{entry.Source}' is {sourceDtype} but the plan expected {entry.SourceDtype}.", plan);
            }

            if (entry.Status == EntryStatus.Loaded && !source.shape.SequenceEqual(target.shape))
            {
                throw new TransferPlanException(
                    $"Cannot load '{key}' from '{entry.Source}': source {TensorSpec.FormatShape(source.shape)} and target {TensorSpec.FormatShape(target.shape)} differ and shapes are never broadcast.", plan);
            }

            if (entry.Status == EntryStatus.Partial && entry.Policy == ShapePolicy.AdaptChannels
                && !ChannelAdaptation.Fits(source.shape, target.shape))
            {
                throw new TransferPlanException(
                    $"Cannot adapt '{entry.Source}' {TensorSpec.FormatShape(source.shape)} to '{key}' {TensorSpec.FormatShape(target.shape)}: adapt_channels needs 4-D weights that differ only in dim 1.", plan);
            }

            if (entry.Status == EntryStatus.Partial && source.shape.Length != target.shape.Length)
            {
                throw new TransferPlanException(
                    $"Cannot slice '{entry.Source}' {TensorSpec.FormatShape(source.shape)} into '{key}' {TensorSpec.FormatShape(target.shape)}: their ranks differ.", plan);
            }

            return new PlannedCopy(entry, source, target);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static torch.Tensor LoadOne(TransferPlan plan, string name, Func<string, torch.Tensor> loadSource)
    {
        try
        {
            return loadSource(name) ?? throw new TransferPlanException($"Source tensor '{name}' was not provided.", plan);
        }
        catch (KeyNotFoundException)
        {
            throw new TransferPlanException($"Source tensor '{name}' is not in the source.", plan);
        }
    }

    private static torch.Tensor FromDictionary(IReadOnlyDictionary<string, torch.Tensor> source, string name, TransferPlan plan) =>
        source.TryGetValue(name, out torch.Tensor? tensor)
            ? tensor.alias()
            : throw new TransferPlanException($"Source tensor '{name}' is not in the source.", plan);
}
