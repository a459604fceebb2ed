using Transfer.Formats;

namespace Transfer.Tests.Formats;

/// <summary>
/// Files Transfer writes load in real PyTorch with <c>weights_only=True</c> and <c>strict=True</c>, with the
/// same bytes PyTorch originally wrote. Skipped where /usr/bin/python3 cannot import torch.
/// </summary>
public sealed class PyTorchRoundTripTests
{
    [SkippableFact]
    public void A_written_pt_loads_weights_only_and_strict_into_the_model_it_came_from()
    {
        Skip.IfNot(PyTorchProcess.Available, "PyTorch is not importable from /usr/bin/python3");
        string folder = Fixture.TempFolder();
        string output = Path.Combine(folder, "lenet.pt");
        using (Checkpoint input = CheckpointReader.Open(Fixture.Path_("checkpoint.pt")))
        {
            CheckpointWriter.Write(output, [.. input.Tensors.Select(t => KeyValuePair.Create(t.Spec.Name, t))]);
        }

        string script = """
            import collections, hashlib, sys, torch
            sd = torch.load(sys.argv[1], weights_only=True)
            assert type(sd) is collections.OrderedDict, type(sd)
            class LeNet5(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
                    self.fc = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(400, 120), torch.nn.ReLU(), torch.nn.Linear(120, 84), torch.nn.ReLU(), torch.nn.Linear(84, 10))
            LeNet5().load_state_dict(sd, strict=True)
            for k, v in sd.items():
                print(k, hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest())
            """;
        string printed = PyTorchProcess.Run(script, output);
        string expected = string.Concat(Fixture.Expected("checkpoint.pt").Select(e => $"{e.Name} {e.Sha256}\n"));
        Assert.Equal(expected, printed);
    }

    [SkippableFact]
    public void Every_dtype_and_view_written_to_pt_loads_in_PyTorch_with_the_original_bytes()
    {
        Skip.IfNot(PyTorchProcess.Available, "PyTorch is not importable from /usr/bin/python3");
        string folder = Fixture.TempFolder();
        string expected = "";
        string printed = "";
        foreach (string source in new[] { "dtypes.pt", "views.pt", "resnet18_narrow.pth" })
        {
            string output = Path.Combine(folder, source + ".pt");
            using (Checkpoint input = CheckpointReader.Open(Fixture.Path_(source)))
            {
                CheckpointWriter.Write(output, [.. input.Tensors.Select(t => KeyValuePair.Create(t.Spec.Name, t))]);
            }

            string script = """
                import hashlib, sys, torch
                sd = torch.load(sys.argv[1], weights_only=True)
                for k, v in sd.items():
                    c = v.contiguous().clone()
                    if c.dtype == torch.bfloat16:
                        c = c.view(torch.int16)
                    print(k, str(v.dtype).replace('torch.', ''), list(v.shape), hashlib.sha256(c.numpy().tobytes()).hexdigest())
                """;
            printed += PyTorchProcess.Run(script, output);
            expected += string.Concat(Fixture.Expected(source).Select(e => $"{e.Name} {e.DType} [{string.Join(", ", e.Shape)}] {e.Sha256}\n"));
        }

        Assert.Equal(expected, printed);
    }
}
