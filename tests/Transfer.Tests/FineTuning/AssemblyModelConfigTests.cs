using Transfer.FineTuning.Config;
using Transfer.Rules.Errors;

namespace Transfer.Tests.FineTuning;

/// <summary><c>target.model: { assembly, type, args }</c> in a run config: what is read, and each mistake's exact line.</summary>
public sealed class AssemblyModelConfigTests
{
    private const string Rest = """
        source: { path: w.pt }
        data: { kind: idx }
        """;

    private static RunConfig Parse(string target, params string[] overrides) =>
        RunConfigReader.Parse($"{target}\n{Rest}", "run.yaml", "/base", overrides);

    private static string Error(string target, params string[] overrides) =>
        Assert.Throws<RuleConfigException>(() => Parse(target, overrides)).Message;

    [Fact]
    public void The_assembly_resolves_against_the_config_folder_and_arguments_keep_values_and_lists()
    {
        TargetConfig target = Parse("target: { model: { assembly: models/My.dll, type: A.Net, args: { classes: 5, sizes: [1, 2] } } }").Target;

        Assert.Equal("A.Net", target.Model);
        Assert.Empty(target.Options);
        Assert.Equal("/base/models/My.dll", target.Assembly!.AssemblyPath);
        Assert.Equal("A.Net", target.Assembly.TypeName);
        Assert.Equal("5", target.Assembly.Arguments["classes"].Text);
        Assert.Equal(["1", "2"], target.Assembly.Arguments["sizes"].Items!);
    }

    [Fact]
    public void Set_overrides_reach_the_constructor_arguments()
    {
        TargetConfig target = Parse("target: { model: { assembly: My.dll, type: A.Net, args: { classes: 5 } } }", "target.model.args.classes=7").Target;

        Assert.Equal("7", target.Assembly!.Arguments["classes"].Text);
    }

    [Theory]
    [InlineData("target: { model: { assembly: My.dll, typ: A.Net } }", "run.yaml:1:38: unknown key 'typ' in 'target.model'; did you mean 'type'? (valid keys: assembly, type, args)")]
    [InlineData("target: { model: { assembly: My.dll } }", "run.yaml:1:18: 'target.model' needs 'type'")]
    [InlineData("target: { model: { type: A.Net } }", "run.yaml:1:18: 'target.model' needs 'assembly'")]
    [InlineData("target: { model: { assembly: My.dll, type: A.Net }, classes: 5 }", "run.yaml:1:62: 'target.classes': a model from an assembly takes its constructor arguments in 'target.model.args'")]
    [InlineData("target: { model: { assembly: My.dll, type: A.Net, args: { a: { b: 1 } } } }", "run.yaml:1:62: 'target.model.args.a' must be a value or a list of values")]
    [InlineData("target: { model: { assembly: My.dll, type: A.Net, args: { a: [[1]] } } }", "run.yaml:1:63: items of 'target.model.args.a' must be single values")]
    [InlineData("target: { model: { assembly: My.dll, type: A.Net, args: [1] } }", "run.yaml:1:57: 'target.model.args' must be a mapping of keys")]
    public void Each_mistake_is_one_line_with_its_position(string target, string expected)
    {
        Assert.Equal(expected, Error(target));
    }
}
