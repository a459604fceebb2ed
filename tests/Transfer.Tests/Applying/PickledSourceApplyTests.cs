using Transfer.Cli.Commands;
using Transfer.Tests.FineTuning;
using Transfer.Tests.Formats;

namespace Transfer.Tests.Applying;

/// <summary>
/// LeNet5 saved as a whole-model pickle (zip and legacy), a scripted and a traced TorchScript archive and as
/// NumPy pickles plans and applies into the built-in LeNet6 exactly as the example's state dict
/// (examples/LeNet5to6/lenet5.pt) does: the same report and byte-identical output files.
/// </summary>
public sealed class PickledSourceApplyTests
{
    public static TheoryData<string> Sources =>
    [
        "modules/lenet5_module.pt", "modules/lenet5_module_legacy.pt", "modules/lenet5_scripted.pt", "modules/lenet5_traced.pt",
        "numpy/lenet5_p2_caffe2.pkl", "numpy/lenet5_p3_detectron2.pkl", "numpy/lenet5_p4_caffe2.pkl", "numpy/lenet5_p5_detectron2.pkl",
    ];

    [Theory]
    [MemberData(nameof(Sources))]
    public void Applying_into_LeNet6_writes_the_same_bytes_as_applying_the_example_state_dict(string source)
    {
        string folder = TestFolders.New("pickled-apply");
        string example = Path.Combine(RepoPaths.Root, "examples", "LeNet5to6", "lenet5.pt");
        (string exampleReport, byte[] exampleBytes) = Apply(example, Path.Combine(folder, "example.safetensors"), 5);
        (string report, byte[] bytes) = Apply(Fixture.Path_(source), Path.Combine(folder, "pickled.safetensors"), 5);

        Assert.Equal(exampleReport, report);
        Assert.Contains("loaded 8, partial 0, skipped 2, missing 2, unused 0\n", report, StringComparison.Ordinal);
        Assert.Contains($": 12 tensors; 8 loaded, 0 partial, 0 cast, 60,856 elements from the source\n", report, StringComparison.Ordinal);
        Assert.Equal(exampleBytes, bytes);

        // The kept targets (fc.5, fc.7) come from the seed: another seed writes other bytes.
        (_, byte[] otherSeed) = Apply(Fixture.Path_(source), Path.Combine(folder, "seed6.safetensors"), 6);
        Assert.NotEqual(bytes, otherSeed);
    }

    /// <summary>The apply output without the lines naming the source and the output, and the file written.</summary>
    private static (string Report, byte[] Bytes) Apply(string source, string output, long seed)
    {
        StringWriter stdout = new();
        StringWriter stderr = new();
        int code = CommandErrors.Run(() => ApplyCommand.Run(source, "LeNet6", null, null, output, stdout, seed), stderr);
        Assert.Equal(string.Empty, stderr.ToString());
        Assert.Equal(0, code);
        string text = stdout.ToString().Replace(source, "<source>", StringComparison.Ordinal).Replace(output, "<out>", StringComparison.Ordinal);
        return (text, File.ReadAllBytes(output));
    }
}
