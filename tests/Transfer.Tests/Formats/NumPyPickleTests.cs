using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp;
using Transfer.Cli.Commands;
using Transfer.Formats;
using Transfer.Tests.FineTuning;

namespace Transfer.Tests.Formats;

/// <summary>
/// Pickles of dicts of NumPy arrays (detectron2 and Caffe2 <c>.pkl</c>, protocols 2 to 5, Python 2's layout) read
/// exactly what NumPy loads from them; make_numpy_fixtures.py wrote the files and numpy_manifest.json.
/// </summary>
public sealed class NumPyPickleTests
{
    private static readonly JsonElement Manifest =
        JsonDocument.Parse(File.ReadAllText(Fixture.Path_("numpy_manifest.json"))).RootElement;

    public static TheoryData<string> Files => [.. Manifest.EnumerateObject().Select(p => p.Name)];

    public static TheoryData<string> LeNet5Files =>
        ["lenet5_p2_caffe2.pkl", "lenet5_p3_detectron2.pkl", "lenet5_p4_caffe2.pkl", "lenet5_p5_detectron2.pkl"];

    private static string PathOf(string file) => Fixture.Path_(Path.Combine("numpy", file));

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_array_matches_what_NumPy_loads_byte_for_byte(string file)
    {
        JsonElement expected = Manifest.GetProperty(file);
        using Checkpoint checkpoint = CheckpointReader.Open(PathOf(file));
        Assert.Equal("numpy", checkpoint.Format);
        Assert.Equal(expected.TryGetProperty("stateDictKey", out JsonElement key) ? key.GetString() : null, checkpoint.StateDictKey);
        Dictionary<string, string> metadata = expected.TryGetProperty("metadata", out JsonElement m)
            ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : [];
        Assert.Equal(metadata, checkpoint.Metadata);
        JsonElement[] tensors = [.. expected.GetProperty("tensors").EnumerateArray()];
        Assert.Equal(tensors.Select(t => t.GetProperty("name").GetString()), checkpoint.Tensors.Select(t => t.Spec.Name));
        for (int i = 0; i < tensors.Length; i++)
        {
            CheckpointTensor tensor = checkpoint.Tensors[i];
            string sha = tensors[i].GetProperty("sha256").GetString()!;
            Assert.Equal(tensors[i].GetProperty("dtype").GetString(), tensor.Spec.DType);
            Assert.Equal(tensors[i].GetProperty("shape").EnumerateArray().Select(s => s.GetInt64()), tensor.Spec.Shape);
            Assert.Equal(sha, tensor.Sha256());
            using torch.Tensor loaded = tensor.Load();
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(loaded.bytes)));
        }
    }

    [Theory]
    [MemberData(nameof(LeNet5Files))]
    public void Inspect_json_with_hashes_of_LeNet5s_pickled_arrays_lists_what_lenet5_pt_lists(string file)
    {
        string torchFile = Path.Combine(RepoPaths.Root, "examples", "LeNet5to6", "lenet5.pt");
        Assert.Equal(Tensors(torchFile), Tensors(PathOf(file)));
    }

    [Fact]
    public void Inspect_names_the_numpy_format_the_unwrapped_key_and_the_scalars_beside_it()
    {
        string path = PathOf("lenet5_p5_detectron2.pkl");
        StringWriter output = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(path, "table", hash: false, key: null, output)));
        string[] lines = output.ToString().Split('\n');
        Assert.Equal(["format: numpy (state dict)", "state dict: model", "metadata: __author__ = Transfer fixtures", "metadata: matching_heuristics = True"], lines[1..5]);
    }

    [Fact]
    public void Caffe2_blobs_are_unwrapped_and_key_chooses_them_or_refuses_a_key_without_a_dict()
    {
        string path = PathOf("lenet5_p2_caffe2.pkl");
        using (Checkpoint found = CheckpointReader.Open(path))
        using (Checkpoint chosen = CheckpointReader.Open(path, "blobs"))
        {
            Assert.Equal("blobs", found.StateDictKey);
            Assert.Equal(found.Specs, chosen.Specs);
        }

        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(path, "cfg"));
        Assert.Equal("key 'cfg' does not hold a state dict", e.Problem);
    }

    [Theory]
    [InlineData("dtypes_p2.pkl")]
    [InlineData("dtypes_p5.pkl")]
    public void Big_endian_Fortran_order_zero_dim_and_nested_arrays_load_with_NumPys_values(string file)
    {
        using Checkpoint checkpoint = CheckpointReader.Open(PathOf(file));
        Dictionary<string, CheckpointTensor> byName = checkpoint.Tensors.ToDictionary(t => t.Spec.Name);
        using torch.Tensor scalar = byName["f4_0d"].Load();
        using torch.Tensor big = byName["f8_0d_big"].Load();
        Assert.Equal(0, scalar.dim());
        Assert.Equal(3.25f, scalar.item<float>());
        Assert.Equal(-1.5, big.item<double>());
        Assert.Equal([5L, 1L], byName["f4_column"].Spec.Shape);
        Assert.Equal([3L, 0L, 2L], byName["i8_empty_fortran"].Spec.Shape);
        Assert.Equal([6L, 4L], byName["f4_transposed"].Spec.Shape);
        Assert.Equal(["nested.inner.weight", "nested.bias"], checkpoint.Tensors.Select(t => t.Spec.Name).Where(n => n.StartsWith("nested.", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_NumPy_pickle_converts_to_safetensors_with_every_byte_kept()
    {
        string output = Path.Combine(Fixture.TempFolder(), "dtypes.safetensors");
        Assert.Equal(0, CommandErrors.Run(() => ConvertCommand.Run(PathOf("dtypes_p3.pkl"), output, null, new StringWriter())));
        using Checkpoint source = CheckpointReader.Open(PathOf("dtypes_p3.pkl"));
        using Checkpoint converted = CheckpointReader.Open(output);
        Assert.Equal(source.Specs, converted.Specs);
        Assert.Equal(source.Tensors.Select(t => t.Sha256()), converted.Tensors.Select(t => t.Sha256()));
    }

    [Fact]
    public void A_torch_save_zip_still_takes_protocol_2_only_whatever_bare_pickles_may_use()
    {
        string path = Path.Combine(Fixture.TempFolder(), "protocol4.pt");
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using Stream pickle = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open();
            pickle.Write([0x80, 4, (byte)'}', (byte)'.']);
        }

        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Open(path));
        Assert.Equal("data.pkl: uses protocol 4; torch.save writes protocol 2", e.Problem);
    }

    /// <summary>The "tensors" array of <c>transfer inspect --format json --hash</c>, as text.</summary>
    private static string Tensors(string path)
    {
        StringWriter output = new();
        Assert.Equal(0, CommandErrors.Run(() => InspectCommand.Run(path, "json", hash: true, key: null, output)));
        return JsonDocument.Parse(output.ToString()).RootElement.GetProperty("tensors").GetRawText();
    }
}
