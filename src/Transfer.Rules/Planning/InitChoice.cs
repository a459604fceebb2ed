namespace Transfer.Rules.Planning;

/// <summary>
/// Picks the init policy of a target no source fills (the last init rule matching it, else keep) and checks
/// that the tensor can take it, as <c>torch.nn.init</c> would: random values need a floating-point tensor,
/// kaiming and xavier need 2 or more dimensions to have a fan in and a fan out.
/// </summary>
internal static class InitChoice
{
    public static TensorInit For(RuleSet rules, TensorSpec target, List<PlanProblem> problems)
    {
        TensorInit init = TensorInit.Keep;
        for (int i = rules.InitRules.Count - 1; i >= 0; i--)
        {
            if (rules.InitRules[i].Matches(target.Name))
            {
                init = rules.InitRules[i].Init;
                break;
            }
        }

        if (init.IsRandom && !IsFloating(target.DType))
        {
            problems.Add(new PlanProblem(target.Name,
                $"{target.Name}: init {init} needs a floating-point tensor, but it is {target.DType}; use zeros or keep."));
        }
        else if (init.NeedsFans && target.Shape.Count < 2)
        {
            problems.Add(new PlanProblem(target.Name,
                $"{target.Name}: init {init} needs 2 or more dimensions for fan in and fan out, but the tensor is " +
                $"{TensorSpec.FormatShape(target.Shape)}; use zeros or normal for biases."));
        }

        return init;
    }

    private static bool IsFloating(string dtype) => dtype is "float16" or "bfloat16" or "float32" or "float64";
}
