using TorchSharp;
using Transfer.Models;
using Transfer.Rules;

namespace Transfer.Tests.Models;

public sealed class ModelKeysTests
{
    private static string Describe(IEnumerable<TensorSpec> specs) =>
        string.Join("\n", specs.Select(s => $"{s.Name} {TensorSpec.FormatShape(s.Shape)} {s.DType}"));

    // The eight tensors LeNet5 and LeNet6 share, which is why LeNet5 weights transfer into LeNet6.
    private const string LeNetSharedKeys = """
        conv.0.weight [6, 1, 5, 5] float32
        conv.0.bias [6] float32
        conv.3.weight [16, 6, 5, 5] float32
        conv.3.bias [16] float32
        fc.1.weight [120, 400] float32
        fc.1.bias [120] float32
        fc.3.weight [84, 120] float32
        fc.3.bias [84] float32
        """;

    public static TheoryData<string, string> KeyTables => new()
    {
        {
            "LeNet5",
            LeNetSharedKeys + "\n" + """
            fc.5.weight [10, 84] float32
            fc.5.bias [10] float32
            """
        },
        {
            // LeNet6 widens fc.5 and adds fc.7.
            "LeNet6",
            LeNetSharedKeys + "\n" + """
            fc.5.weight [64, 84] float32
            fc.5.bias [64] float32
            fc.7.weight [10, 64] float32
            fc.7.bias [10] float32
            """
        },
        {
            // What nn.Sequential numbers them: 0 is the Flatten, the odd indices the Linears.
            "MLP",
            """
            1.weight [256, 784] float32
            1.bias [256] float32
            3.weight [128, 256] float32
            3.bias [128] float32
            5.weight [10, 128] float32
            5.bias [10] float32
            """
        },
    };

    private static torch.nn.Module<torch.Tensor, torch.Tensor> Create(string model) => model switch
    {
        "LeNet5" => new LeNet5(),
        "LeNet6" => new LeNet6(),
        "MLP" => new Mlp(784, [256, 128], 10),
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, null),
    };

    [Theory]
    [MemberData(nameof(KeyTables))]
    public void Keys_and_shapes_are_the_ones_PyTorch_gives_the_same_model(string model, string expected)
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> built = Create(model);
        Assert.Equal(expected, Describe(ModelSpecs.Of(built)));
    }

    [Theory]
    [InlineData("LeNet5")]
    [InlineData("LeNet6")]
    [InlineData("MLP")]
    public void Models_map_a_batch_of_28x28_images_to_10_logits(string model)
    {
        using torch.nn.Module<torch.Tensor, torch.Tensor> built = Create(model);
        using torch.Tensor x = torch.rand(3, 1, 28, 28);
        using torch.Tensor y = built.forward(x);
        Assert.Equal(new long[] { 3, 10 }, y.shape);
    }

    [Fact]
    public void ResNet18_state_dict_equals_torchvision_resnet18_key_for_key()
    {
        string expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Models", "Fixtures", "resnet18_keys.txt")).TrimEnd();
        using ResNet18 model = new();
        Assert.Equal(expected, Describe(ModelSpecs.Of(model)));
    }

    [Fact]
    public void ResNet18_takes_its_class_count_and_input_channels_from_options()
    {
        using torch.nn.Module model = ModelRegistry.Create("resnet18", new Dictionary<string, string> { ["classes"] = "10", ["in_channels"] = "1" });
        IReadOnlyList<TensorSpec> specs = ModelSpecs.Of(model);
        Assert.Equal(new long[] { 64, 1, 7, 7 }, specs.Single(s => s.Name == "conv1.weight").Shape);
        Assert.Equal(new long[] { 10, 512 }, specs.Single(s => s.Name == "fc.weight").Shape);
        using torch.Tensor x = torch.rand(2, 1, 32, 32);
        using torch.Tensor y = ((torch.nn.Module<torch.Tensor, torch.Tensor>)model).forward(x);
        Assert.Equal(new long[] { 2, 10 }, y.shape);
    }
}
