using System.Diagnostics;
using Transfer.Formats;
using Transfer.Rules;

namespace Transfer.Tests.Formats;

/// <summary>
/// Hostile and broken files are refused with one exact sentence naming the problem, within 30 s and 64 MiB of
/// managed allocation (measured on the test's own thread, so parallel tests do not count), and no payload
/// ever runs (the pickles would create /tmp/transfer_pwned_* markers if anything executed them).
/// </summary>
public sealed class MaliciousCorpusTests
{
    private const long MaxAllocation = 64L << 20;
    private static readonly string[] Markers = ["os_system", "eval", "popen", "nested", "module", "setstate", "standin", "numpy"];
    private const string Fallback = "; save a state dict instead: torch.save(model.state_dict(), f)";

    public static TheoryData<string, string> Corpus => new()
    {
        { "legacy_big_endian.pt", "big-endian torch.save files are not supported" },
        { "legacy_view_metadata.pt", "pickled object: persistent id at offset 289 has view metadata (a storage view from PyTorch before 0.4), which Transfer does not read" },
        { "legacy_count_mismatch.pt", "storage '0' at offset 318 holds 3 elements, but the pickle says 2" },
        { "legacy_count_overflow.pt", "storage '0' needs 4611686018427387904 elements of 4 bytes at offset 334, past the end of the file (342 bytes)" },
        { "legacy_truncated_storage.pt", "storage '0' needs 2 elements of 4 bytes at offset 326, past the end of the file (330 bytes)" },
        { "legacy_key_twice.pt", "storage '0' is listed twice" },
        { "legacy_trailing_bytes.pt", "has 1 bytes after its last storage" },
        { "legacy_truncated_pickle.pt", "pickled object: ends in the middle of an opcode at offset 250" },
        { "os_system.pt", "data.pkl: global 'posix.system' at offset 2 is not allowed (only the globals a state dict needs are)" },
        { "builtins_eval.pt", "data.pkl: global '__builtin__.eval' at offset 2 is not allowed (only the globals a state dict needs are)" },
        { "subprocess_popen.pt", "data.pkl: global 'commands.Popen' at offset 2 is not allowed (only the globals a state dict needs are)" },
        { "nested_payload.pt", "data.pkl: global 'posix.system' at offset 13 is not allowed (only the globals a state dict needs are)" },
        { "deep_marks.pt", "data.pkl: stack exceeds 10000 entries at offset 10002 (hostile nesting)" },
        { "deep_lists.pt", "data.pkl: stack exceeds 10000 entries at offset 10002 (hostile nesting)" },
        { "memo_abuse.pt", "data.pkl: memo exceeds 176667 entries at offset 883338, more than a pickle of 1000004 bytes needs" },
        { "opcode_flood.pt", "data.pkl: more than 610002 opcodes, more work than a pickle of 1200004 bytes needs" },
        { "stride0_2gib.pt", "its tensors hold 2147483648 bytes, more than 16 × the file's 518 bytes + 64 MiB (views that repeat stored bytes, such as stride-0 expansions); pass --allow-expansion to read it anyway" },
        { "string_past_end.pt", "data.pkl: string at offset 2 claims 4294967280 bytes, more than remain" },
        { "legacy_unterminated.pt", "protocol version pickle: ended before STOP" },
        { "after_stop.pt", "data.pkl: has 4 bytes after STOP at offset 3" },
        { "inst_opcode.pt", "data.pkl: opcode INST (0x69) at offset 3 is not allowed" },
        { "bad_persid.pt", "data.pkl: persistent id at offset 11 is not a ('storage', type, key, location, numel) tuple" },
        { "compressed.pt", "zip member 'archive/data.pkl' is compressed (method 8); torch.save writes stored members only" },
        { "encrypted.pt", "zip member 'archive/data.pkl' is encrypted" },
        { "duplicate.pt", "zip member 'archive/data/0' appears twice" },
        { "traversal.pt", "zip member 'archive/../../evil' has an unsafe path" },
        { "two_folders.pt", "zip members do not share one top folder: 'archive/data.pkl' and 'other/data/0'" },
        { "missing_storage.pt", "tensor 'w' needs storage 'archive/data/0', which the archive does not contain" },
        { "short_storage.pt", "storage member 'archive/data/0' has 4 bytes but tensor 'w' needs a storage of 8" },
        { "truncated.pt", "zip end-of-central-directory record not found (truncated or not a zip)" },
        { "corrupt_directory.pt", "zip member 'views/version' (4294967295 bytes at offset 1088) runs past the end of the file" },
        { "empty.pt", "the file is empty" },
        { "bare_pickle.pt", "this bare pickle holds no NumPy arrays; Transfer reads a bare pickle only as a dict of them (detectron2 or Caffe2 .pkl), so save PyTorch tensors with torch.save(model.state_dict(), f)" },
        { "numpy_load_global.pkl", "pickle: global 'numpy.load' at offset 13 is not allowed (a bare pickle may name only the globals that rebuild NumPy arrays)" },
        { "numpy_testing_runstring.pkl", "pickle: global 'numpy.testing._private.utils.runstring' at offset 60 is not allowed (a bare pickle may name only the globals that rebuild NumPy arrays)" },
        { "numpy_torch_tensors.pkl", "pickle: global 'torch._utils._rebuild_tensor_v2' at offset 41 is not allowed (a bare pickle may name only the globals that rebuild NumPy arrays)" },
        { "numpy_reconstruct_args.pkl", "pickle: REDUCE at offset 124 calls 'numpy.core.multiarray._reconstruct' with arguments it does not accept" },
        { "numpy_reconstruct_dtype.pkl", "pickle: REDUCE at offset 119 calls 'numpy.core.multiarray._reconstruct' with arguments it does not accept" },
        { "numpy_itemsize_lie.pkl", "pickle: dtype state at offset 193 gives itemsize 8 for 'f4', whose items are 4 bytes" },
        { "numpy_shape_overflow.pkl", "tensor 'w' has shape [4611686018427387904, 4611686018427387904], whose size in bytes overflows 64-bit arithmetic" },
        { "numpy_shape_exceeds_bytes.pkl", "array 'w' (float32 [1000]) needs 4000 bytes but its pickle holds 4" },
        { "numpy_negative_dim.pkl", "tensor 'w' has shape [-1, 3], with a negative size" },
        { "numpy_out_of_band.pkl", "pickle: opcode NEXT_BUFFER at offset 55 takes an out-of-band buffer, which a file does not hold; pickle the arrays in-band (no buffer_callback)" },
        { "numpy_protocol6.pkl", "pickle: uses protocol 6; Transfer reads protocols 2 to 5" },
        { "numpy_object_array.pkl", "pickle: array state at offset 215 holds a list of objects (an object array), which Transfer does not read" },
        { "numpy_complex.pkl", "array 'c' has NumPy dtype '<c8', which Transfer does not read (it reads f2, f4, f8, i1, i2, i4, i8, u1 and b1)" },
        { "numpy_cycle.pkl", "the dict under 'self' appears twice in the pickle (a cycle or a shared dict), which a state dict never has" },
        { "numpy_text_above_latin1.pkl", "pickle: latin-1 text has a character above U+00FF at offset 203, which latin-1 cannot encode" },
        { "numpy_text_invalid_utf8.pkl", "pickle: latin-1 text is not valid UTF-8 at offset 209" },
        { "numpy_scalar_size.pkl", "pickle: scalar at offset 232 holds 8 bytes for 'f4', whose items are 4 bytes" },
        { "numpy_name_clash.pkl", "array name 'a.b' is given twice (once by joining nested dicts' keys with '.')" },
        { "numpy_key_not_string.pkl", "the pickle has an array under a key that is not a string" },
        { "numpy_bytes_claim.pkl", "pickle: bytes at offset 16 claim 1152921504606846976 bytes, more than remain" },
        { "huge_header.safetensors", "safetensors header length 1099511627776 exceeds the limit of 100000000 bytes" },
        { "header_past_end.safetensors", "safetensors header length 4096 runs past the end of the file (16 bytes)" },
        { "overlap.safetensors", "safetensors tensor 'b' at [4, 12) overlaps the previous tensor, which ends at 8" },
        { "gap.safetensors", "safetensors tensor 'b' starts at 8, leaving a gap after the previous tensor, which ends at 4" },
        { "unknown_dtype.safetensors", "safetensors entry 'a' has dtype 'F128', which Transfer does not read" },
        { "metadata_not_string.safetensors", "safetensors __metadata__ value for 'epoch' is not a string" },
        { "duplicate_keys.safetensors", "safetensors header names 'a' twice" },
        { "invalid_utf8.safetensors", "safetensors header is not valid UTF-8 JSON (Cannot transcode invalid UTF-8 JSON text to UTF-16 string)" },
        { "size_mismatch.safetensors", "safetensors entry 'a' has 8 bytes at [0, 8) but shape [3] of float32 needs 12" },
        { "shape_overflow.safetensors", "tensor 'a' has shape [4611686018427387904, 4611686018427387904], whose size in bytes overflows 64-bit arithmetic" },
        { "shape_overflow_zero.dat", "tensor 'a' has shape [4611686018427387904, 4611686018427387904, 0], whose size in bytes overflows 64-bit arithmetic" },
        { "sum_overflow.pt", "its tensors' sizes add up to more than 9223372036854775807 bytes" },
        { "zip64_locator_max.pt", "zip size or offset 18446744073709551615 is out of range" },
        { "trailing_bytes.safetensors", "safetensors tensors cover 4 bytes but the data buffer has 9" },
        { "not_json.safetensors", "safetensors header is not valid UTF-8 JSON ('n' is an invalid start of a property name)" },
        { "varint_forever.dat", "TorchSharp file: the dtype of 'a' at offset 12 is a varint longer than 9 bytes" },
        { "rank_huge.dat", "TorchSharp file: entry 'a' has rank 1000000, above the limit of 64" },
        { "count_huge.dat", "TorchSharp file: entry count 1099511627776 is more than a 6-byte file can hold (is this a checkpoint file?)" },
        { "data_short.dat", "TorchSharp file: entry 'a' of shape [1000] needs more bytes than remain after offset 7" },

        // Whole-model pickles (make_module_fixtures.py): classes stay inert stand-ins, nothing is called.
        { "module_os_system.pt", "data.pkl: global 'posix.system' at offset 84 is not allowed (only the globals a state dict needs are)" },
        { "builtins_getattr.pt", "data.pkl: global 'builtins.getattr' at offset 2 is not allowed (only the globals a state dict needs are)" },
        { "builtins_eval_py3.pt", "data.pkl: global 'builtins.eval' at offset 2 is not allowed (only the globals a state dict needs are)" },
        { "setstate_top.pt", "data.pkl holds an object of class '__main__.Evil', which is not a torch.nn.Module (no _parameters, _buffers and _modules dicts), so it has no state dict to read" + Fallback },
        { "setstate_parameter.pt", "module parameter 'w' is an object of class '__main__.Evil', not a tensor" + Fallback },
        { "standin_called.pt", "data.pkl: REDUCE at offset 56 would call '__main__.Net', which Transfer never does (it only rebuilds tensors and plain containers)" + Fallback },
        { "standin_instance_called.pt", "data.pkl: REDUCE at offset 58 applies an object of class '__main__.Net' to a tuple; only allowed globals may be called with a tuple" },
        { "build_on_class.pt", "data.pkl: BUILD at offset 17 targets global '__main__.Net'; only dicts, tensors and class instances may be built" },
        { "deep_modules.pt", $"modules nest more than 100 levels deep, at '{string.Join('.', Enumerable.Repeat("m", 101))}'" + Fallback },
        { "module_cycle.pt", "module 'self' is the same module as one of its parents (a cycle in _modules), so it has no state dict" + Fallback },
        { "module_diamond.pt", "the module tree has more than 100000 modules counting each shared one once per name" + Fallback },
        { "module_parameter_string.pt", "module parameter 'w' is a string, not a tensor" + Fallback },
        { "torchscript_bad_declaration.pt", "TorchScript class '__torch__.LeNet5' declares '__parameters__ = [weight, ]', which is not a list of quoted names" + Fallback },
        { "torchscript_inflate_lie.pt", "TorchScript code file 'lenet5_scripted/code/__torch__.py' does not inflate to the 4096 bytes the zip directory records" },
        { "torchscript_no_code.pt", "TorchScript class '__torch__.LeNet5' has no code file 'code/__torch__.py', so its parameters cannot be told from its buffers" + Fallback },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Hostile_file_is_refused_fast_with_an_exact_message_and_nothing_runs(string file, string problem)
    {
        foreach (string marker in Markers)
        {
            File.Delete("/tmp/transfer_pwned_" + marker);
        }

        string path = Fixture.Bad(file);
        Stopwatch clock = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        CheckpointFormatException e = Assert.Throws<CheckpointFormatException>(() =>
        {
            using Checkpoint checkpoint = CheckpointReader.Open(path);
            foreach (CheckpointTensor tensor in checkpoint.Tensors)
            {
                tensor.Sha256();
            }
        });
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(problem, e.Problem);
        Assert.Equal($"{path}: {problem}", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");

        // Every file here is under 1 MB; reading one may cost a few times its size, never what it claims.
        Assert.True(allocated < MaxAllocation, $"allocated {allocated} bytes");
        foreach (string marker in Markers)
        {
            Assert.False(File.Exists("/tmp/transfer_pwned_" + marker), $"payload {marker} ran");
        }
    }

    [Theory]
    [InlineData("shared_key_two_dtypes.pt")]
    [InlineData("legacy_shared_key_two_dtypes.pt")]
    public void A_storage_named_with_two_dtypes_takes_the_first_one_as_PyTorch_does(string file)
    {
        // 'a' names storage '0' as FloatStorage of 2, 'b' as DoubleStorage of 1 at offset 1; torch.load 1.13 gives
        // both float32 (make_limit_fixtures.py asserts it), so 'b' is the float -2.0, not 8 bytes read as a double.
        using Checkpoint checkpoint = CheckpointReader.Open(Fixture.Bad(file));
        Assert.Equal(["a: float32 [2]", "b: float32 [1]"], checkpoint.Specs.Select(s => $"{s.Name}: {s.DType} {TensorSpec.FormatShape(s.Shape)}"));
        using TorchSharp.torch.Tensor a = checkpoint.Tensors[0].Load();
        using TorchSharp.torch.Tensor b = checkpoint.Tensors[1].Load();
        Assert.Equal([1.5f, -2f], a.data<float>().ToArray());
        Assert.Equal([-2f], b.data<float>().ToArray());
    }
}
