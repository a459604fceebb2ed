using Transfer.Rules;
using Transfer.Rules.Planning;

namespace Transfer.Rules.Tests.Planning;

/// <summary>
/// 100k source × 100k target keys with 50 rules, built so the expected plan is known by construction:
/// sources <c>module.stage{s}.block{b}.conv{c}.{weight|bias}</c> (40 stages) are renamed by 1 strip_prefix and
/// 40 renames to <c>layer{s}.…</c>; every 101st target is renamed away (missing, its source unused), every
/// 97th has another shape (sliced in layer2, skipped elsewhere), <c>layer0…4.block7.*</c> are excluded.
/// Shared by the xunit test (counts) and bench/Planning.Bench (time).
/// </summary>
public sealed class LargeWorkload
{
    public const int Stages = 40;
    public const int Blocks = 250;
    public const int Convs = 5;

    public LargeWorkload()
    {
        List<TensorSpec> source = new(Stages * Blocks * Convs * 2);
        List<TensorSpec> target = new(source.Capacity);
        int i = 0;
        for (int s = 0; s < Stages; s++)
        {
            for (int b = 0; b < Blocks; b++)
            {
                for (int c = 0; c < Convs; c++)
                {
                    foreach (string leaf in (string[])["weight", "bias"])
                    {
                        long[] shape = leaf == "weight" ? [8, 8, 3, 3] : [8];
                        long[] other = leaf == "weight" ? [16, 8, 3, 3] : [16];
                        source.Add(new TensorSpec($"module.stage{s}.block{b}.conv{c}.{leaf}", "float32", shape));
                        bool gone = i % 101 == 0;
                        bool reshaped = i % 97 == 0;
                        long[] targetShape = reshaped ? other : shape;
                        target.Add(new TensorSpec($"layer{s}.block{b}.conv{c}{(gone ? "x" : "")}.{leaf}", "float32", targetShape));
                        TargetElements += ElementsOf(targetShape);
                        if (gone)
                        {
                            Missing++;
                            Unused++;
                        }
                        else if (s < 5 && b == 7)
                        {
                            Skipped++;
                        }
                        else if (reshaped && s == 2)
                        {
                            Partial++;
                            LoadedElements += ElementsOf(shape);
                        }
                        else if (reshaped)
                        {
                            Skipped++;
                        }
                        else
                        {
                            Loaded++;
                            LoadedElements += ElementsOf(shape);
                        }

                        i++;
                    }
                }
            }
        }

        Source = source;
        Target = target;
        RuleSetBuilder rules = RuleSet.Builder().StripPrefix("module.");
        for (int s = 0; s < Stages; s++)
        {
            rules.Rename($@"^stage{s}\.", $"layer{s}.");
        }

        for (int s = 0; s < 5; s++)
        {
            rules.Exclude($"layer{s}.block7.*");
        }

        Rules = rules
            .Shape(ShapePolicy.Slice, "layer2.*")
            .Shape(ShapePolicy.Skip, "layer3?.*")
            .Require("layer0.block1.*")
            .Include("*")
            .Build();
    }

    public IReadOnlyList<TensorSpec> Source { get; }

    public IReadOnlyList<TensorSpec> Target { get; }

    public RuleSet Rules { get; }

    public int Loaded { get; }

    public int Partial { get; }

    public int Skipped { get; }

    public int Missing { get; }

    public int Unused { get; }

    public long LoadedElements { get; }

    public long TargetElements { get; }

    private static long ElementsOf(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);
}
