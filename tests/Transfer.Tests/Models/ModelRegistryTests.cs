using TorchSharp;
using Transfer.Models;

namespace Transfer.Tests.Models;

public sealed class ModelRegistryTests
{
    [Fact]
    public void Built_in_names_are_listed_sorted()
    {
        Assert.Equal(new[] { "LeNet5", "LeNet6", "MLP", "ResNet18" }, ModelRegistry.Names.Where(n => n is "LeNet5" or "LeNet6" or "MLP" or "ResNet18"));
    }

    [Theory]
    [InlineData("LeNet5", typeof(LeNet5))]
    [InlineData("lenet6", typeof(LeNet6))]
    [InlineData("MLP", typeof(Mlp))]
    [InlineData("ResNet18", typeof(ResNet18))]
    public void Names_are_case_insensitive(string name, Type type)
    {
        using torch.nn.Module model = ModelRegistry.Create(name);
        Assert.IsType(type, model);
    }

    [Fact]
    public void Unknown_name_names_the_closest_model()
    {
        ModelConfigException e = Assert.Throws<ModelConfigException>(() => ModelRegistry.Create("LeNet7"));
        Assert.StartsWith("Unknown model 'LeNet7'; did you mean 'LeNet5'? Known models: ", e.Message);
    }

    [Fact]
    public void Unknown_option_names_the_closest_option()
    {
        ModelConfigException e = Assert.Throws<ModelConfigException>(
            () => ModelRegistry.Create("MLP", new Dictionary<string, string> { ["hiden"] = "32" }));
        Assert.Equal("Model 'MLP' has no option 'hiden'; did you mean 'hidden'? Options: input, hidden, classes.", e.Message);
    }

    [Fact]
    public void Bad_option_value_is_reported_with_the_value()
    {
        ModelConfigException e = Assert.Throws<ModelConfigException>(
            () => ModelRegistry.Create("LeNet5", new Dictionary<string, string> { ["classes"] = "ten" }));
        Assert.Equal("Model 'LeNet5' option 'classes' must be a positive integer, not 'ten'.", e.Message);
    }

    [Fact]
    public void Mlp_hidden_widths_come_from_a_comma_separated_option()
    {
        using torch.nn.Module model = ModelRegistry.Create("MLP", new Dictionary<string, string> { ["input"] = "4", ["hidden"] = "3", ["classes"] = "2" });
        Assert.Equal(new[] { "1.weight", "1.bias", "3.weight", "3.bias" }, ModelSpecs.Of(model).Select(s => s.Name));
    }

    [Theory]
    [InlineData("in_chans")]
    [InlineData("in_channels")]
    public void ResNet18_takes_its_input_channels_under_timms_name_or_its_own(string option)
    {
        using torch.nn.Module model = ModelRegistry.Create("ResNet18", new Dictionary<string, string> { [option] = "1", ["classes"] = "3" });
        Assert.Equal([64L, 1L, 7L, 7L], ModelSpecs.Of(model).Single(s => s.Name == "conv1.weight").Shape);
        Assert.Equal([3L, 512L], ModelSpecs.Of(model).Single(s => s.Name == "fc.weight").Shape);
    }

    [Fact]
    public void Registered_factories_are_created_by_name()
    {
        ModelRegistry.Register("TinyTestNet", o => new Mlp(2, [], 2));
        using torch.nn.Module model = ModelRegistry.Create("tinytestnet");
        Assert.IsType<Mlp>(model);
        Assert.Contains("TinyTestNet", ModelRegistry.Names);
    }
}
