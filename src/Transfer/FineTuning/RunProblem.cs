namespace Transfer.FineTuning;

/// <summary>One thing wrong with a run, found before the run writes or loads anything.</summary>
/// <param name="Key">What is at fault, as the user names it: a config key (<c>finetune.freeze</c>) or an option (<c>--out</c>).</param>
/// <param name="Problem">What is wrong and, where it can, what would fix it.</param>
internal sealed record RunProblem(string Key, string Problem)
{
    /// <inheritdoc />
    public override string ToString() => $"{Key}: {Problem}";
}
