using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using TorchSharp;
using Transfer.Formats;
using Transfer.Models;
using Transfer.Rules;
using Transfer.Rules.Errors;
using Transfer.Rules.Planning;

namespace Transfer.Applying;

/// <summary>
/// Carries out a <see cref="TransferPlan"/>: copies the source tensors the plan marks <c>loaded</c> (whole,
/// cast to the target dtype when they differ) or <c>partial</c> (the overlapping leading block in every
/// dimension) into a live model or into a copy of a target state dict. Validate first, then stream: the plan
/// itself (<see cref="TransferPlan.EnsureValid"/>) and every entry against the source's and the target's
/// names, dtypes and shapes are checked before any tensor is read, so an invalid plan is never applied and a
/// refused plan leaves the target untouched. Then tensors are read, copied and released one at a time, so
/// applying into a live model needs memory for the model plus one tensor. Copies never broadcast and never
/// change <c>requires_grad</c>. Targets the plan gives an init policy other than keep are filled after the
/// copies, each from its own generator seeded from <see cref="TransferPlan.Seed"/> and its key.
/// </summary>
public static class PlanApplier
{
    /// <summary>The largest byte range one thread reads at a time into a parameter's storage.</summary>
    private const long Piece = 8L << 20;

    /// <summary>Applies the plan to a live model's parameters and buffers, in place, from tensors the caller owns (none is disposed).</summary>
    /// <exception cref="TransferPlanException">The plan is invalid or does not fit the source or the model; nothing was written.</exception>
    public static ApplyReport Apply(TransferPlan plan, torch.nn.Module target, IReadOnlyDictionary<string, torch.Tensor> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Apply(plan, target, SourceTensors.Of(source));
    }

    /// <summary>
    /// Applies the plan to a live model from an open checkpoint. Tensors copied whole into contiguous CPU
    /// parameters of the same dtype are read straight from the file into the parameters' storage, several
    /// at a time; the rest are read one at a time and copied.
    /// </summary>
    /// <exception cref="TransferPlanException">The plan is invalid or does not fit the checkpoint or the model; nothing was written.</exception>
    /// <exception cref="CheckpointFormatException">
    /// The file failed while tensors were read (after validation passed), such as a zip member whose bytes do
    /// not match its recorded CRC-32 (checked as they are read): parameters already read keep the new bytes,
    /// so the model is partly loaded and should be rebuilt or reloaded.
    /// </exception>
    public static ApplyReport Apply(TransferPlan plan, torch.nn.Module target, Checkpoint source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Apply(plan, target, SourceTensors.Of(source));
    }

    /// <summary>
    /// Merges source values into a copy of a target state dict, for writing to a file: every target key in
    /// target order, source values where the plan loads them. The target tensors are not modified.
    /// </summary>
    /// <exception cref="TransferPlanException">The plan is invalid or does not fit the source or the target.</exception>
    public static MergedStateDict Merge(
        TransferPlan plan, IReadOnlyList<KeyValuePair<string, torch.Tensor>> target, IReadOnlyDictionary<string, torch.Tensor> source)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        SourceTensors from = SourceTensors.Of(source);
        ApplySteps steps = ApplyValidator.Validate(plan, from.Specs, SpecsOf(target));
        HashSet<string> written = steps.Targets.ToHashSet(StringComparer.Ordinal);
        List<KeyValuePair<string, torch.Tensor>> merged = new(target.Count);
        try
        {
            foreach ((string name, torch.Tensor tensor) in target)
            {
                // Tensors the plan writes get their own storage; the rest share the target's.
                using torch.Tensor detached = tensor.detach();
                torch.Tensor copy = written.Contains(name) ? detached.clone() : tensor.alias();
                merged.Add(new KeyValuePair<string, torch.Tensor>(name, copy));
            }

            Run(steps, merged.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal), from);
            return new MergedStateDict(merged, ApplyReport.Of(steps));
        }
        catch
        {
            merged.ForEach(e => e.Value.Dispose());
            throw;
        }
    }

    private static ApplyReport Apply(TransferPlan plan, torch.nn.Module target, SourceTensors source)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(target);
        IReadOnlyList<KeyValuePair<string, torch.Tensor>> targets = StateDictOrder.Entries(target);
        ApplySteps steps = ApplyValidator.Validate(plan, source.Specs, SpecsOf(targets));
        Run(steps, targets.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal), source);
        return ApplyReport.Of(steps);
    }

    private static TensorSpec[] SpecsOf(IReadOnlyList<KeyValuePair<string, torch.Tensor>> tensors) =>
        [.. tensors.Select(t => new TensorSpec(t.Key, ModelSpecs.DTypeName(t.Value.dtype), t.Value.shape))];

    /// <summary>
    /// Carries out validated steps: byte reads straight into storage where possible, the other copies one
    /// tensor at a time, then the inits.
    /// </summary>
    private static void Run(ApplySteps steps, IReadOnlyDictionary<string, torch.Tensor> targets, SourceTensors source)
    {
        IReadOnlyList<PlannedCopy> copies = steps.Copies;
        List<(PlannedCopy Copy, nint Address, long Length)> direct = [];
        using (torch.no_grad())
        using (torch.NewDisposeScope())
        {
            foreach (PlannedCopy copy in copies)
            {
                torch.Tensor target = targets[copy.Target.Name];
                if (source.CanReadInto && copy.IsVerbatim && target.device_type == DeviceType.CPU && target.is_contiguous())
                {
                    direct.Add((copy, TensorBytes.Address(target), checked(target.numel() * target.element_size())));
                    continue;
                }

                using DisposeScope scope = torch.NewDisposeScope();
                copy.Write(source.Load(copy.Source.Name), target);
            }
        }

        ReadAll(direct, source);
        using (torch.no_grad())
        {
            foreach (PlannedInit init in steps.Inits)
            {
                using DisposeScope scope = torch.NewDisposeScope();
                init.Write(targets[init.Target.Name]);
            }
        }
    }

    /// <summary>
    /// Reads whole tensors into their targets' storage on every core: contiguous ones in pieces of at most
    /// <see cref="Piece"/> bytes (so one large tensor is read by all threads), the rest whole, largest first.
    /// A tensor read in pieces whose file records a CRC-32 gets each piece's CRC computed as it is read; once
    /// all pieces are in, they are combined and compared with the recorded one, so a corrupt file is refused
    /// (as a whole read refuses it) without a second pass over the bytes.
    /// </summary>
    private static unsafe void ReadAll(List<(PlannedCopy Copy, nint Address, long Length)> direct, SourceTensors source)
    {
        if (direct.Where(d => d.Length > 0).DistinctBy(d => d.Address).Count() < direct.Count(d => d.Length > 0))
        {
            // Tied parameters share storage: write them in plan order, as load_state_dict does, so the last one wins.
            direct.ForEach(d => source.ReadInto(d.Copy.Source.Name, (byte*)d.Address, d.Length));
            return;
        }

        List<(int Tensor, nint Address, long Start, long Count, bool Whole)> pieces = [];
        for (int i = 0; i < direct.Count; i++)
        {
            (PlannedCopy copy, nint address, long length) = direct[i];
            if (length <= Piece || !source.HasParts(copy.Source.Name))
            {
                pieces.Add((i, address, 0, length, true));
                continue;
            }

            for (long start = 0; start < length; start += Piece)
            {
                pieces.Add((i, address, start, Math.Min(Piece, length - start), false));
            }
        }

        pieces.Sort((a, b) => b.Count.CompareTo(a.Count));
        PartCrc[] parts = new PartCrc[pieces.Count];
        try
        {
            Parallel.ForEach(
                Partitioner.Create(Enumerable.Range(0, pieces.Count), EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                k =>
                {
                    var p = pieces[k];
                    string name = direct[p.Tensor].Copy.Source.Name;
                    if (p.Whole)
                    {
                        source.ReadInto(name, (byte*)p.Address, p.Count);
                    }
                    else
                    {
                        parts[k] = new PartCrc(p.Start, p.Count, source.ReadPart(name, (byte*)p.Address + p.Start, p.Start, p.Count));
                    }
                });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        foreach (var tensor in Enumerable.Range(0, pieces.Count).Where(k => !pieces[k].Whole).GroupBy(k => pieces[k].Tensor))
        {
            source.CheckParts(direct[tensor.Key].Copy.Source.Name, [.. tensor.Select(k => parts[k])]);
        }
    }
}
