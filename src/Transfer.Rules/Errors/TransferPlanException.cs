using Transfer.Rules.Planning;

namespace Transfer.Rules.Errors;

/// <summary>
/// A plan cannot be carried out as the rules demand: a shape mismatch under the <c>error</c> policy, a
/// required key left unloaded, two sources for one target, too little coverage. Carries the plan so a
/// caller can still render the report.
/// </summary>
public sealed class TransferPlanException : TransferException
{
    /// <summary>Creates the exception with its one-line message and the plan that failed, if one was made.</summary>
    public TransferPlanException(string message, TransferPlan? plan = null)
        : base(message)
    {
        Plan = plan;
    }

    /// <summary>The plan that failed validation, when the planner got that far.</summary>
    public TransferPlan? Plan { get; }
}
