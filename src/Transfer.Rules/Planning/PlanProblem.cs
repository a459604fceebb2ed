namespace Transfer.Rules.Planning;

/// <summary>
/// One reason a plan cannot be carried out as the rules demand. Problems are data first: a plan lists them
/// all, and <see cref="TransferPlan.EnsureValid"/> turns them into one exception.
/// </summary>
/// <param name="Key">The target key at fault, or null for whole-plan problems (coverage, a glob matching nothing).</param>
/// <param name="Message">One sentence naming the key and what is wrong, e.g. both shapes.</param>
public sealed record PlanProblem(string? Key, string Message);
