using System.Runtime.Loader;
using TorchSharp;
using Transfer.Models;
using static TorchSharp.torch;

namespace Transfer.Tests.Models;

/// <summary>Modules created from a user's assembly: type identity, dependencies, argument conversion, and every refusal's exact line.</summary>
public sealed class AssemblyModelTests
{
    private static readonly string Dll = UserModelsAssembly.Path;

    private static nn.Module Create(string type, params (string Name, ModelArgument Value)[] args) =>
        new AssemblyModel(Dll, type, args.ToDictionary(a => a.Name, a => a.Value)).Create();

    private static string Refusal(string type, params (string Name, ModelArgument Value)[] args) =>
        Assert.Throws<ModelConfigException>(() => Create(type, args)).Message;

    private static (string, ModelArgument) Arg(string name, string text) => (name, ModelArgument.Scalar(text));

    [Fact]
    public void A_user_module_is_created_with_named_arguments_and_runs_on_the_applications_torchsharp()
    {
        using nn.Module created = Create("MyNamespace.TinyNet", Arg("classes", "5"));

        nn.Module<Tensor, Tensor> model = Assert.IsAssignableFrom<nn.Module<Tensor, Tensor>>(created);
        Assert.Equal(
            ["body.linear.weight [16, 784]", "body.linear.bias [16]", "head.linear.weight [5, 16]", "head.linear.bias [5]"],
            ModelSpecs.Of(model).Select(s => $"{s.Name} [{string.Join(", ", s.Shape)}]"));
        using Tensor input = zeros(2, 1, 28, 28);
        using Tensor output = model.forward(input);
        Assert.Equal([2L, 5L], output.shape);
    }

    [Fact]
    public void The_user_assembly_binds_to_the_applications_torchsharp_and_finds_its_own_dependency_beside_it()
    {
        using nn.Module model = Create("MyNamespace.TinyNet", Arg("classes", "3"));

        AssemblyLoadContext context = AssemblyLoadContext.GetLoadContext(model.GetType().Assembly)!;
        Assert.NotSame(AssemblyLoadContext.Default, context);
        string[] loaded = context.Assemblies.Select(a => a.GetName().Name!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["UserLayers", "UserModels"], loaded); // its TorchSharp.dll copy beside it is never loaded
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(Dll)!, "TorchSharp.dll")));
        Assert.Equal(
            Path.Combine(Path.GetDirectoryName(Dll)!, "UserLayers.dll"),
            context.Assemblies.Single(a => a.GetName().Name == "UserLayers").Location);
    }

    [Fact]
    public void Creating_twice_loads_the_assembly_once()
    {
        using nn.Module first = Create("MyNamespace.TinyNet", Arg("classes", "3"));
        using nn.Module second = Create("MyNamespace.TinyNet", Arg("classes", "3"), Arg("hidden", "4"));

        Assert.Same(first.GetType(), second.GetType());
        Assert.Equal([4L, 784L], ModelSpecs.Of(second)[0].Shape);
    }

    [Fact]
    public void Arguments_convert_to_every_supported_parameter_type()
    {
        using nn.Module model = Create(
            "MyNamespace.ArgumentsNet",
            Arg("sizes", "1, 2"),
            ("widths", ModelArgument.List(["3", "4"])),
            Arg("activation", "tanh"),
            Arg("dropout", "0.5"),
            Arg("scale", "2.5"),
            Arg("bias", "false"),
            Arg("label", "x y"),
            Arg("seed", "7"));

        Assert.Equal("sizes=[1,2] widths=[3,4] activation=Tanh dropout=0.5 scale=2.5 bias=False label=x y seed=7", Given(model));
    }

    [Fact]
    public void Parameters_not_given_keep_their_defaults()
    {
        using nn.Module model = Create("MyNamespace.ArgumentsNet", Arg("sizes", ""), ("widths", ModelArgument.List([])));

        Assert.Equal("sizes=[] widths=[] activation=Relu dropout=0.25 scale=1.5 bias=True label=net seed=null", Given(model));
    }

    public static TheoryData<string, (string, ModelArgument)[], string> Refusals => new()
    {
        { "MyNamespace.TinyNte", [], "Model assembly {dll} has no type 'MyNamespace.TinyNte'; did you mean 'MyNamespace.TinyNet'? (module types: MyNamespace.ArgumentsNet, MyNamespace.GainNet, MyNamespace.HiddenNet, MyNamespace.StemNet, MyNamespace.ThrowingNet, MyNamespace.TinyNet, MyNamespace.TwoWayNet)." },
        { "TinyNet", [], "Model assembly {dll} has no type 'TinyNet' (module types: MyNamespace.ArgumentsNet, MyNamespace.GainNet, MyNamespace.HiddenNet, MyNamespace.StemNet, MyNamespace.ThrowingNet, MyNamespace.TinyNet, MyNamespace.TwoWayNet)." },
        { "MyNamespace.NotAModule", [Arg("classes", "1")], "Model type MyNamespace.NotAModule in {dll} is not a torch.nn.Module." },
        { "MyNamespace.HiddenNet", [], "Model type MyNamespace.HiddenNet in {dll} has no public constructor." },
        { "MyNamespace.TinyNet", [], "Model type MyNamespace.TinyNet in {dll} needs constructor argument 'classes' (int)." },
        { "MyNamespace.TinyNet", [Arg("classes", "2"), Arg("hiden", "4")], "Model type MyNamespace.TinyNet in {dll} has no constructor argument 'hiden'; did you mean 'hidden'? arguments: classes, hidden, inputs." },
        { "MyNamespace.TinyNet", [Arg("classes", "five")], "Model type MyNamespace.TinyNet in {dll}: argument 'classes' (int) must be a 32-bit integer, got 'five'." },
        { "MyNamespace.TinyNet", [Arg("classes", "3000000000")], "Model type MyNamespace.TinyNet in {dll}: argument 'classes' (int) must be a 32-bit integer, got '3000000000'." },
        { "MyNamespace.TinyNet", [("classes", ModelArgument.List(["1", "2"]))], "Model type MyNamespace.TinyNet in {dll}: argument 'classes' (int) takes one value, not a list." },
        { "MyNamespace.ArgumentsNet", [Arg("sizes", "1"), Arg("widths", "1,x")], "Model type MyNamespace.ArgumentsNet in {dll}: argument 'widths' (int[]) must be a 32-bit integer, got 'x'." },
        { "MyNamespace.ArgumentsNet", [Arg("sizes", "1"), Arg("widths", "1"), Arg("activation", "tahn")], "Model type MyNamespace.ArgumentsNet in {dll}: argument 'activation' (Activation) must be one of Relu, Tanh, got 'tahn' (did you mean 'Tanh'?)." },
        { "MyNamespace.ArgumentsNet", [Arg("sizes", "1"), Arg("widths", "1"), Arg("bias", "yes")], "Model type MyNamespace.ArgumentsNet in {dll}: argument 'bias' (bool) must be true or false, got 'yes'." },
        { "MyNamespace.ArgumentsNet", [Arg("sizes", "1"), Arg("widths", "1"), Arg("dropout", "half")], "Model type MyNamespace.ArgumentsNet in {dll}: argument 'dropout' (double) must be a number, got 'half'." },
        { "MyNamespace.TwoWayNet", [Arg("classes", "3")], "Model type MyNamespace.TwoWayNet in {dll}: the arguments (classes) fit 2 constructors, (int classes) and (int classes, int hidden = 8); give an argument only one of them takes." },
        { "MyNamespace.ThrowingNet", [Arg("classes", "3")], "Model type MyNamespace.ThrowingNet in {dll}: its constructor threw ArgumentOutOfRangeException: classes must be even\\nsecond line (Parameter 'classes')" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Each_mistake_is_one_exact_line(string type, (string, ModelArgument)[] args, string expected)
    {
        Assert.Equal(expected.Replace("{dll}", Dll, StringComparison.Ordinal), Refusal(type, args));
    }

    [Fact]
    public void A_missing_assembly_is_named()
    {
        string missing = Path.Combine(TestFolders.New("user-models"), "Missing.dll");
        ModelConfigException e = Assert.Throws<ModelConfigException>(() => new AssemblyModel(missing, "A.B", new Dictionary<string, ModelArgument>()).Create());
        Assert.Equal($"Model assembly {missing}: no such file.", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_dotnet_assembly_is_refused()
    {
        string fake = Path.Combine(TestFolders.New("user-models"), "Fake.dll");
        File.WriteAllText(fake, "not a PE file");
        ModelConfigException e = Assert.Throws<ModelConfigException>(() => new AssemblyModel(fake, "A.B", new Dictionary<string, ModelArgument>()).Create());
        Assert.Equal($"Model assembly {fake} is not a .NET assembly.", e.Message);
    }

    private static string Given(nn.Module model) => (string)model.GetType().GetProperty("Given")!.GetValue(model)!;
}
