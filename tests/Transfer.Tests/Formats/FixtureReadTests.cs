using TorchSharp;
using Transfer.Formats;

namespace Transfer.Tests.Formats;

/// <summary>Every tensor PyTorch wrote is read back with exactly its name, dtype, shape and bytes.</summary>
public sealed class FixtureReadTests
{
    public static TheoryData<string, string> Files => new()
    {
        { "dtypes.pt", "pytorch" },
        { "views.pt", "pytorch" },
        { "checkpoint.pt", "pytorch" },
        { "module_prefixed.pt", "pytorch" },
        { "resnet18_narrow.pth", "pytorch" },
        { "legacy.pt", "pytorch" },
        { "legacy_dtypes.pt", "pytorch" },
        { "legacy_checkpoint.pt", "pytorch" },
        { "legacy_many.pt", "pytorch" },
        { "dtypes.safetensors", "safetensors" },
        { "lenet5.dat", "torchsharp" },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_tensor_matches_what_PyTorch_wrote_byte_for_byte(string file, string format)
    {
        using Checkpoint checkpoint = CheckpointReader.Open(Fixture.Path_(file));
        Assert.Equal(format, checkpoint.Format);
        IReadOnlyList<ExpectedTensor> expected = Fixture.Expected(file);
        Assert.Equal(expected.Select(e => e.Name), checkpoint.Tensors.Select(t => t.Spec.Name));
        for (int i = 0; i < expected.Count; i++)
        {
            CheckpointTensor tensor = checkpoint.Tensors[i];
            Assert.Equal(expected[i].DType, tensor.Spec.DType);
            Assert.Equal(expected[i].Shape, tensor.Spec.Shape);
            Assert.Equal(expected[i].Sha256, tensor.Sha256());
        }
    }

    [Theory]
    [InlineData("views.pt")]
    [InlineData("legacy.pt")]
    public void Views_into_one_shared_storage_load_with_their_own_values(string file)
    {
        using Checkpoint checkpoint = CheckpointReader.Open(Fixture.Path_(file));
        Dictionary<string, CheckpointTensor> byName = checkpoint.Tensors.ToDictionary(t => t.Spec.Name);
        using torch.Tensor t = byName["t"].Load();
        using torch.Tensor slice = byName["slice"].Load();
        using torch.Tensor strided = byName["strided"].Load();
        using torch.Tensor scalar = byName["scalar"].Load();
        using torch.Tensor empty = byName["empty"].Load();
        Assert.True(t.is_contiguous());
        Assert.Equal(new float[] { 0, 5, 10, 15, 1, 6, 11, 16, 2, 7, 12, 17, 3, 8, 13, 18, 4, 9, 14, 19 }, t.data<float>().ToArray());
        Assert.Equal(new float[] { 1, 2, 6, 7, 11, 12, 16, 17 }, slice.data<float>().ToArray());
        Assert.Equal(new float[] { 0, 3, 10, 13 }, strided.data<float>().ToArray());
        Assert.Equal(0, scalar.dim());
        Assert.Equal(3.5f, scalar.item<float>());
        Assert.Equal(new long[] { 0, 3 }, empty.shape);
    }

    [Theory]
    [InlineData("checkpoint.pt")]
    [InlineData("legacy_checkpoint.pt")]
    public void A_training_checkpoint_yields_its_model_state_dict_and_scalars_as_metadata(string file)
    {
        using Checkpoint checkpoint = CheckpointReader.Open(Fixture.Path_(file));
        Assert.Equal("model_state_dict", checkpoint.StateDictKey);
        Assert.Equal(new Dictionary<string, string> { ["epoch"] = "7", ["loss"] = "0.1", ["note"] = "fine-tuned" }, checkpoint.Metadata);
        Assert.Equal(10, checkpoint.Tensors.Count);
    }

    [Fact]
    public void A_key_that_is_absent_is_refused_listing_the_keys_there_are()
    {
        string path = Fixture.Path_("checkpoint.pt");
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(path, "weights"));
        Assert.Equal($"{path}: key 'weights' not found; available keys: 'epoch', 'model_state_dict', 'optimizer_state_dict', 'loss', 'note'", e.Message);
    }

    [Fact]
    public void An_explicit_key_selects_that_entry()
    {
        using Checkpoint checkpoint = CheckpointReader.Open(Fixture.Path_("checkpoint.pt"), "model_state_dict");
        Assert.Equal("model_state_dict", checkpoint.StateDictKey);
        Assert.Equal("conv.0.weight", checkpoint.Specs[0].Name);
    }

    [Fact]
    public void The_reduced_ResNet18_has_exactly_the_full_models_keys_and_dtypes()
    {
        using Checkpoint checkpoint = CheckpointReader.Open(Fixture.Path_("resnet18_narrow.pth"));
        IReadOnlyList<ExpectedTensor> full = Fixture.Expected("resnet18_full_specs");
        Assert.Equal(full.Select(f => (f.Name, f.DType)), checkpoint.Specs.Select(s => (s.Name, s.DType)));
        Assert.Equal(122, checkpoint.Specs.Count);
        Assert.Contains(checkpoint.Specs, s => s.Name == "layer4.1.bn2.num_batches_tracked" && s.DType == "int64" && s.Shape.Count == 0);
    }

    [Fact]
    public void Loaded_tensors_have_the_files_dtype_and_are_contiguous_cpu_tensors()
    {
        using Checkpoint checkpoint = CheckpointReader.Open(Fixture.Path_("dtypes.pt"));
        foreach (CheckpointTensor tensor in checkpoint.Tensors)
        {
            using torch.Tensor loaded = tensor.Load();
            Assert.Equal(tensor.Spec.DType, loaded.dtype.ToString() switch
            {
                "Float32" => "float32",
                "Float16" => "float16",
                "BFloat16" => "bfloat16",
                "Float64" => "float64",
                "Int8" => "int8",
                "Int16" => "int16",
                "Int32" => "int32",
                "Int64" => "int64",
                "Byte" => "uint8",
                "Bool" => "bool",
                var other => other,
            });
            Assert.True(loaded.is_contiguous());
            Assert.Equal(DeviceType.CPU, loaded.device_type);
        }
    }
}
