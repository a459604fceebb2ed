using System.Text.Json;
using Transfer.Cli.Commands;
using Transfer.Formats;
using Transfer.Formats.PyTorch;
using Transfer.Tests.FineTuning;

namespace Transfer.Tests.Formats;

/// <summary>
/// Whole-model pickles (<c>torch.save(model)</c>, zip and legacy) and TorchScript archives (scripted and traced)
/// give the state dict PyTorch itself lists after loading them (modules/manifest.json, written by
/// make_module_fixtures.py): the same names in the same order, dtypes, shapes and bytes.
/// </summary>
public sealed class ModulePickleTests
{
    private static readonly JsonElement Manifest =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixture.Folder, "modules", "manifest.json"))).RootElement;

    public static TheoryData<string> Files => [.. Manifest.EnumerateObject().Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Files))]
    public void The_state_dict_is_what_PyTorch_lists_after_loading_the_file(string file)
    {
        JsonElement expected = Manifest.GetProperty(file);
        using Checkpoint checkpoint = CheckpointReader.Open(Path.Combine(Fixture.Folder, "modules", file));
        Assert.Equal(
            [.. expected.GetProperty("tensors").EnumerateArray().Select(t =>
                $"{t.GetProperty("name").GetString()} {t.GetProperty("dtype").GetString()} [{string.Join(", ", t.GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()))}] {t.GetProperty("sha256").GetString()}")],
            checkpoint.Tensors.Select(t => $"{t.Spec.Name} {t.Spec.DType} [{string.Join(", ", t.Spec.Shape)}] {t.Sha256()}"));
        Assert.Equal(expected.GetProperty("container").GetString(), checkpoint.Container);
        Assert.Equal([.. expected.GetProperty("classes").EnumerateArray().Select(c => c.GetString()!)], checkpoint.Classes);
    }

    [Theory]
    [InlineData("lenet5_module.pt")]
    [InlineData("lenet5_module_legacy.pt")]
    [InlineData("lenet5_scripted.pt")]
    [InlineData("lenet5_traced.pt")]
    public void Inspect_json_with_hashes_lists_the_same_tensors_as_the_example_state_dict(string file)
    {
        string example = Path.Combine(RepoPaths.Root, "examples", "LeNet5to6", "lenet5.pt");
        Assert.Equal(TensorsJson(example), TensorsJson(Path.Combine(Fixture.Folder, "modules", file)));
    }

    [Fact]
    public void Inspect_says_what_the_file_holds_and_which_classes_it_names()
    {
        string path = Path.Combine(Fixture.Folder, "modules", "lenet5_module.pt");
        StringWriter table = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(path, "table", hash: false, key: null, table)));
        string[] lines = table.ToString().Split('\n');
        Assert.Equal("format: pytorch (module pickle of __main__.LeNet5)", lines[1]);
        Assert.Equal("classes: __main__.LeNet5, torch.nn.modules.activation.ReLU, torch.nn.modules.container.Sequential, "
            + "torch.nn.modules.conv.Conv2d, torch.nn.modules.flatten.Flatten, torch.nn.modules.linear.Linear, torch.nn.modules.pooling.MaxPool2d", lines[2]);

        StringWriter json = new();
        string scripted = Path.Combine(Fixture.Folder, "modules", "lenet5_scripted.pt");
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(scripted, "json", hash: false, key: null, json)));
        JsonElement root = JsonDocument.Parse(json.ToString()).RootElement;
        Assert.Equal("TorchScript module __torch__.LeNet5", root.GetProperty("container").GetString());
        Assert.Equal(11, root.GetProperty("classes").GetArrayLength());
        Assert.Equal("__torch__.LeNet5", root.GetProperty("classes")[0].GetString());
    }

    [Fact]
    public void A_checkpoint_dict_holding_a_module_is_unwrapped_like_one_holding_a_state_dict()
    {
        string path = Path.Combine(Fixture.Folder, "modules", "buffers_wrapped.pt");
        using Checkpoint found = CheckpointReader.Open(path);
        using Checkpoint chosen = CheckpointReader.Open(path, "model");
        Assert.Equal("model", found.StateDictKey);
        Assert.Equal("3", found.Metadata["epoch"]);
        Assert.Equal("module pickle of __main__.Buffers", chosen.Container);
        Assert.Equal(found.Specs.Select(s => s.Name), chosen.Specs.Select(s => s.Name));
    }

    [Fact]
    public void Key_on_a_file_that_is_a_module_is_refused()
    {
        string path = Path.Combine(Fixture.Folder, "modules", "lenet5_module.pt");
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(path, "model"));
        Assert.Equal("--key 'model' applies only to checkpoint dicts, but this file holds a module pickle of __main__.LeNet5", e.Problem);
    }

    [Fact]
    public void The_first_TorchScript_fixture_is_now_read_as_PyTorch_lists_it()
    {
        The_state_dict_is_what_PyTorch_lists_after_loading_the_file("../torchscript.pt");
    }

    [Fact]
    public void A_protocol_1_instance_a_device_and_a_set_are_inert_values()
    {
        // copyreg._reconstructor(__main__.Net, object, None), then BUILD {'d': torch.device('cpu', 1), 's': set(['a'])}.
        byte[] pickle = System.Text.Encoding.Latin1.GetBytes(
            "ccopy_reg\n_reconstructor\n(c__main__\nNet\nc__builtin__\nobject\nNtR}("
            + "X\u0001\u0000\u0000\u0000dctorch\ndevice\nX\u0003\u0000\u0000\u0000cpuK\u0001\u0086R"
            + "X\u0001\u0000\u0000\u0000sc__builtin__\nset\n]X\u0001\u0000\u0000\u0000aa\u0085Rub.");
        string path = Path.Combine(Fixture.TempFolder(), "instance.pkl");
        File.WriteAllBytes(path, pickle);
        using TensorFile file = new(path);
        SortedSet<string> classes = new(StringComparer.Ordinal);
        PickleObject net = Assert.IsType<PickleObject>(Unpickler.Load(path, new PickleInput(file, 0, file.Length), classes));
        Assert.Equal("__main__.Net", net.Class.FullName);
        PickleObject device = Assert.IsType<PickleObject>(net.Attribute("d"));
        Assert.Equal("torch.device", device.Class.FullName);
        Assert.Equal("cpu", device.Attribute("type"));
        Assert.Equal(1L, device.Attribute("index"));
        Assert.Equal(["a"], Assert.IsType<PickleSet>(net.Attribute("s")).Items);
        Assert.Equal(["__main__.Net"], classes);
    }

    [Fact]
    public void Items_set_or_appended_on_a_stand_in_are_kept_as_a_dict_or_list_subclass_would_keep_them()
    {
        // [__main__.Bag() with SETITEMS {'k': 1}, __main__.Row() with APPEND 2]
        byte[] pickle = System.Text.Encoding.Latin1.GetBytes(
            "](c__main__\nBag\n)\u0081(X\u0001\u0000\u0000\u0000kK\u0001uc__main__\nRow\n)\u0081K\u0002ae.");
        string path = Path.Combine(Fixture.TempFolder(), "items.pkl");
        File.WriteAllBytes(path, pickle);
        using TensorFile file = new(path);
        List<object> list = Assert.IsType<List<object>>(Unpickler.Load(path, new PickleInput(file, 0, file.Length)));
        PickleObject bag = Assert.IsType<PickleObject>(list[0]);
        Assert.Equal([new KeyValuePair<object, object?>("k", 1L)], bag.Entries.Items);
        Assert.Equal([2L], Assert.IsType<PickleObject>(list[1]).Items);
    }

    private static string TensorsJson(string path)
    {
        StringWriter output = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(path, "json", hash: true, key: null, output)));
        return JsonDocument.Parse(output.ToString()).RootElement.GetProperty("tensors").GetRawText();
    }
}
