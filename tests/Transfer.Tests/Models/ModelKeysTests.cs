using TorchSharp;
using Transfer.Models;
using Transfer.Rules;

namespace Transfer.Tests.Models;

public sealed class ModelKeysTests
{
    private static string Describe(IEnumerable<TensorSpec> specs) =>
        string.Join("\n", specs.Select(s => $"{s.Name} {TensorSpec.FormatShape(s.Shape)} {s.DType}"));

    [Fact]
    public void LeNet5_has_the_keys_and_shapes_PyTorch_gives_it()
    {
        using LeNet5 model = new();
        Assert.Equal(
            """
            conv.0.weight [6, 1, 5, 5] float32
            conv.0.bias [6] float32
            conv.3.weight [16, 6, 5, 5] float32
            conv.3.bias [16] float32
            fc.1.weight [120, 400] float32
            fc.1.bias [120] float32
            fc.3.weight [84, 120] float32
            fc.3.bias [84] float32
            fc.5.weight [10, 84] float32
            fc.5.bias [10] float32
            """,
            Describe(ModelSpecs.Of(model)));
    }

    [Fact]
    public void LeNet6_widens_fc_5_and_adds_fc_7()
    {
        using LeNet6 model = new();
        Assert.Equal(
            """
            conv.0.weight [6, 1, 5, 5] float32
            conv.0.bias [6] float32
            conv.3.weight [16, 6, 5, 5] float32
            conv.3.bias [16] float32
            fc.1.weight [120, 400] float32
            fc.1.bias [120] float32
            fc.3.weight [84, 120] float32
            fc.3.bias [84] float32
            fc.5.weight [64, 84] float32
            fc.5.bias [64] float32
            fc.7.weight [10, 64] float32
            fc.7.bias [10] float32
            """,
            Describe(ModelSpecs.Of(model)));
    }

    [Fact]
    public void LeNets_map_a_batch_of_28x28_images_to_10_logits()
    {
        using LeNet5 five = new();
        using LeNet6 six = new();
        using torch.Tensor x = torch.rand(3, 1, 28, 28);
        using torch.Tensor y5 = five.forward(x);
        using torch.Tensor y6 = six.forward(x);
        Assert.Equal(new long[] { 3, 10 }, y5.shape);
        Assert.Equal(new long[] { 3, 10 }, y6.shape);
    }

    [Fact]
    public void Mlp_keys_are_what_nn_Sequential_numbers_them()
    {
        using Mlp model = new(784, [256, 128], 10);
        Assert.Equal(
            """
            1.weight [256, 784] float32
            1.bias [256] float32
            3.weight [128, 256] float32
            3.bias [128] float32
            5.weight [10, 128] float32
            5.bias [10] float32
            """,
            Describe(ModelSpecs.Of(model)));
        using torch.Tensor x = torch.rand(2, 1, 28, 28);
        using torch.Tensor y = model.forward(x);
        Assert.Equal(new long[] { 2, 10 }, y.shape);
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
