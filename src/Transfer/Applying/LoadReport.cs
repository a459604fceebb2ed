using Transfer.Rules.Planning;

namespace Transfer.Applying;

/// <summary>What a one-call load decided and did: the plan (render it with any report) and what was copied.</summary>
/// <param name="Plan">The valid plan that was applied, entry by entry.</param>
/// <param name="Applied">The copies made.</param>
public sealed record LoadReport(TransferPlan Plan, ApplyReport Applied);
