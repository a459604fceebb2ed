#!/usr/bin/python3
"""Writes the checkpoint fixtures the Formats tests read, with real PyTorch (1.13) and torchvision.

Run from anywhere: /usr/bin/python3 tests/Transfer.Tests/Formats/Fixtures/make_fixtures.py
Everything is deterministic (fixed seeds), except the last bits of the LeNet5 weights after the one SGD
step in section 3 (CPU convolution backward sums in an order that depends on the thread count), so a rerun
on another machine may rewrite checkpoint.pt, module_prefixed.pt, lenet5.dat and legacy_checkpoint.pt with
new hashes; zip members also carry the time they were written. Commit only the files a change needs. manifest.json records, for every tensor PyTorch wrote, its
name, dtype, shape and the SHA-256 of its contiguous row-major little-endian bytes as PyTorch computes
them; the tests compare what Transfer reads against it byte for byte. malicious/ holds hostile files
that must be refused without running anything (payloads would create /tmp/transfer_pwned_* markers).
"""
import collections
import hashlib
import io
import json
import os
import pickle
import struct
import zipfile

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "malicious")
os.makedirs(BAD, exist_ok=True)
torch.manual_seed(1234)
MANIFEST = {}


def dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def tensor_sha256(t):
    c = t.detach().contiguous().clone()
    if c.dtype == torch.bfloat16:
        c = c.view(torch.int16)
    return hashlib.sha256(c.numpy().tobytes()).hexdigest()


def record(file_name, fmt, tensors, state_dict_key=None, metadata=None):
    entry = {"format": fmt, "tensors": [
        {"name": k, "dtype": dtype_name(v), "shape": list(v.shape), "sha256": tensor_sha256(v)}
        for k, v in tensors.items()]}
    if state_dict_key is not None:
        entry["stateDictKey"] = state_dict_key
    if metadata:
        entry["metadata"] = metadata
    MANIFEST[file_name] = entry


def save_pt(name, obj, state_dict, **kw):
    torch.save(obj, os.path.join(HERE, name))
    record(name, "pytorch", state_dict, **kw)


def dtype_tensors():
    g = torch.Generator().manual_seed(7)
    d = collections.OrderedDict()
    d["f32"] = torch.randn(3, 4, generator=g)
    d["f16"] = torch.randn(2, 3, generator=g).half()
    d["bf16"] = torch.randn(5, generator=g).bfloat16()
    d["f64"] = torch.randn(2, 2, generator=g).double()
    d["i8"] = torch.tensor([-128, -1, 0, 1, 127], dtype=torch.int8)
    d["i16"] = torch.tensor([[-32768, 5], [7, 32767]], dtype=torch.int16)
    d["i32"] = torch.tensor([-2147483648, 0, 2147483647], dtype=torch.int32)
    d["i64"] = torch.tensor([-(2 ** 63), 0, 2 ** 63 - 1], dtype=torch.int64)
    d["u8"] = torch.tensor([0, 1, 200, 255], dtype=torch.uint8)
    d["b"] = torch.tensor([True, False, True])
    d["special"] = torch.tensor([float("inf"), float("-inf"), -0.0, 1e-45])
    return d


# 1. dtypes, as a plain OrderedDict state dict.
save_pt("dtypes.pt", dtype_tensors(), dtype_tensors())

# 2. views into one shared storage.
a = torch.arange(20.).reshape(4, 5)
views = collections.OrderedDict(
    [("a", a), ("t", a.t()), ("row", a[1]), ("slice", a[:, 1:3]), ("scalar", torch.tensor(3.5)),
     ("empty", torch.zeros(0, 3)), ("strided", a[::2, ::3])])
save_pt("views.pt", views, views)

# 3. a training checkpoint dict with optimizer state and scalars.
class LeNet5(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Sequential(
            torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
        self.fc = torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(400, 120), torch.nn.ReLU(), torch.nn.Linear(120, 84),
            torch.nn.ReLU(), torch.nn.Linear(84, 10))

    def forward(self, x):
        return self.fc(self.conv(x))


lenet = LeNet5()
opt = torch.optim.SGD(lenet.parameters(), lr=0.1, momentum=0.9)
lenet(torch.randn(2, 1, 28, 28)).sum().backward()
opt.step()
ckpt = {"epoch": 7, "model_state_dict": lenet.state_dict(), "optimizer_state_dict": opt.state_dict(),
        "loss": 0.1, "note": "fine-tuned"}
save_pt("checkpoint.pt", ckpt, lenet.state_dict(), state_dict_key="model_state_dict",
        metadata={"epoch": "7", "loss": "0.1", "note": "fine-tuned"})

# 4. a DataParallel-style `module.`-prefixed state dict, plain.
prefixed = collections.OrderedDict(("module." + k, v) for k, v in lenet.state_dict().items())
save_pt("module_prefixed.pt", prefixed, prefixed)

# 5. ResNet-18: the full model's manifest (keys/dtypes/shapes) and a reduced-width file with the same keys.
resnet = torchvision.models.resnet18(weights=None)
full = resnet.state_dict()
MANIFEST["resnet18_full_specs"] = {"format": "manifest-only", "tensors": [
    {"name": k, "dtype": dtype_name(v), "shape": list(v.shape)} for k, v in full.items()]}
narrow = collections.OrderedDict()
for k, v in full.items():
    shape = [s // 8 if s % 64 == 0 else s for s in v.shape]
    if v.dtype == torch.int64:
        narrow[k] = torch.tensor(11, dtype=torch.int64)
    else:
        narrow[k] = torch.randn(*shape)
save_pt("resnet18_narrow.pth", narrow, narrow)

# 6. legacy (pre-1.6, non-zip) files, which Transfer reads exactly, and a TorchScript archive, which it
#    refuses with a clear message.
def save_legacy(name, obj, state_dict, **kw):
    torch.save(obj, os.path.join(HERE, name), _use_new_zipfile_serialization=False)
    record(name, "pytorch", state_dict, **kw)


save_legacy("legacy.pt", views, views)
save_legacy("legacy_dtypes.pt", dtype_tensors(), dtype_tensors())
save_legacy("legacy_checkpoint.pt", ckpt, lenet.state_dict(), state_dict_key="model_state_dict",
            metadata={"epoch": "7", "loss": "0.1", "note": "fine-tuned"})
many = collections.OrderedDict((f"blocks.{i}.scale", torch.tensor([float(i)])) for i in range(900))
save_legacy("legacy_many.pt", many, many)  # pickles longer than the reader's first 64 KiB window
torch.jit.script(LeNet5()).save(os.path.join(HERE, "torchscript.pt"))

# 7. safetensors, written to the HF layout by hand (header sorted by dtype alignment desc then name).
ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
             torch.int8: "I8", torch.int16: "I16", torch.int32: "I32", torch.int64: "I64",
             torch.uint8: "U8", torch.bool: "BOOL"}


def raw_bytes(t):
    c = t.detach().contiguous().clone()
    if c.dtype == torch.bfloat16:
        c = c.view(torch.int16)
    return c.numpy().tobytes()


def safetensors_bytes(tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for k, v in tensors.items():
        b = raw_bytes(v)
        header[k] = {"dtype": ST_DTYPES[v.dtype], "shape": list(v.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


st = dtype_tensors()
with open(os.path.join(HERE, "dtypes.safetensors"), "wb") as f:
    f.write(safetensors_bytes(st, {"format": "pt", "source": "make_fixtures.py"}))
record("dtypes.safetensors", "safetensors", st, metadata={"format": "pt", "source": "make_fixtures.py"})

# 8. TorchSharp Module.save layout: LEB128 count, then name, LEB128 ScalarType, rank, dims, raw bytes.
TS_TYPES = {torch.uint8: 0, torch.int8: 1, torch.int16: 2, torch.int32: 3, torch.int64: 4, torch.float16: 5,
            torch.float32: 6, torch.float64: 7, torch.bool: 11, torch.bfloat16: 15}


def leb128(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def torchsharp_bytes(tensors):
    out = bytearray(leb128(len(tensors)))
    for k, v in tensors.items():
        name = k.encode()
        out += leb128(len(name)) + name + leb128(TS_TYPES[v.dtype]) + leb128(v.dim())
        for s in v.shape:
            out += leb128(s)
        out += raw_bytes(v)
    return bytes(out)


lenet_sd = lenet.state_dict()
with open(os.path.join(HERE, "lenet5.dat"), "wb") as f:
    f.write(torchsharp_bytes(lenet_sd))
record("lenet5.dat", "torchsharp", lenet_sd)

# ---------------------------------------------------------------- malicious corpus
MARK = "/tmp/transfer_pwned_"


class Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def pt_zip(name, pkl, extra=(), folder="archive", compress=False):
    path = os.path.join(BAD, name)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        z.writestr(folder + "/data.pkl", pkl)
        z.writestr(folder + "/version", "3\n")
        for member, data in extra:
            z.writestr(member, data)
    return path


import subprocess  # noqa: E402  (only pickled by reference, never called here)

pt_zip("os_system.pt", pickle.dumps(Reduce(os.system, ("touch " + MARK + "os_system",)), protocol=2))
pt_zip("builtins_eval.pt", pickle.dumps(
    Reduce(eval, ("__import__('os').system('touch " + MARK + "eval')",)), protocol=2))
pt_zip("subprocess_popen.pt", pickle.dumps(Reduce(subprocess.Popen, (["touch", MARK + "popen"],)), protocol=2))
# The payload hidden inside an otherwise valid state dict, after a real tensor.
ok = io.BytesIO()
torch.save({"w": torch.ones(2)}, ok)
with zipfile.ZipFile(io.BytesIO(ok.getvalue())) as z:
    members = {n: z.read(n) for n in z.namelist()}
inner = pickle.dumps({"x": Reduce(os.system, ("touch " + MARK + "nested",))}, protocol=2)
pt_zip("nested_payload.pt", inner)
# Hostile nesting: 100,000 MARKs (stack depth) and 100,000 nested lists.
pt_zip("deep_marks.pt", b"\x80\x02" + b"(" * 100000 + b".")
pt_zip("deep_lists.pt", b"\x80\x02" + b"]" * 100000 + b"a" * 99999 + b".")
# Memo abuse: 200,000 distinct memo slots.
pt_zip("memo_abuse.pt", b"\x80\x02]" + b"".join(b"r" + struct.pack("<I", i) for i in range(200000)) + b".")
# Opcode flood with a shallow stack: 1.2 million opcodes.
pt_zip("opcode_flood.pt", b"\x80\x02]" + b"Na" * 600000 + b".")
# Data after STOP, a disallowed opcode (GLOBAL is fine, INST is not), a bad persistent id.
pt_zip("after_stop.pt", b"\x80\x02}." + b"junk")
pt_zip("inst_opcode.pt", b"\x80\x02(iposix\nsystem\n.")
pt_zip("bad_persid.pt", b"\x80\x02X\x04\x00\x00\x00evilQ.")
# Zip-level problems.
pt_zip("compressed.pt", members["archive/data.pkl"] * 1, [("archive/data/0", members["archive/data/0"])], compress=True)
pt_zip("traversal.pt", members["archive/data.pkl"], [("archive/../../evil", b"x"), ("archive/data/0", members["archive/data/0"])])
pt_zip("two_folders.pt", members["archive/data.pkl"], [("other/data/0", members["archive/data/0"])])
pt_zip("missing_storage.pt", members["archive/data.pkl"])
pt_zip("short_storage.pt", members["archive/data.pkl"], [("archive/data/0", members["archive/data/0"][:4])])
with open(os.path.join(BAD, "duplicate.pt"), "wb") as f:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", members["archive/data.pkl"])
        z.writestr("archive/data/0", members["archive/data/0"])
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            z.writestr("archive/data/0", members["archive/data/0"])
    f.write(buf.getvalue())
good = open(os.path.join(HERE, "views.pt"), "rb").read()
open(os.path.join(BAD, "truncated.pt"), "wb").write(good[: len(good) // 2])
corrupt = bytearray(good)
cd = corrupt.rfind(b"PK\x01\x02")
corrupt[cd + 20: cd + 28] = b"\xff" * 8  # central directory sizes of one member
open(os.path.join(BAD, "corrupt_directory.pt"), "wb").write(bytes(corrupt))
enc = bytearray(open(pt_zip("encrypted.pt", members["archive/data.pkl"], [("archive/data/0", members["archive/data/0"])]), "rb").read())
i = 0
while True:
    i = enc.find(b"PK\x01\x02", i)
    if i < 0:
        break
    enc[i + 8] |= 1  # general purpose flag bit 0: encrypted
    i += 4
open(os.path.join(BAD, "encrypted.pt"), "wb").write(bytes(enc))
open(os.path.join(BAD, "empty.pt"), "wb").write(b"")
with open(os.path.join(BAD, "bare_pickle.pt"), "wb") as f:
    pickle.dump({"a": 1}, f, protocol=2)


def st_raw(name, header_bytes, data=b"", n=None):
    n = len(header_bytes) if n is None else n
    open(os.path.join(BAD, name), "wb").write(struct.pack("<Q", n) + header_bytes + data)


def j(o):
    return json.dumps(o).encode()


st_raw("huge_header.safetensors", b"{}", n=2 ** 40)
st_raw("header_past_end.safetensors", b"{}      ", n=4096)
st_raw("overlap.safetensors", j({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                  "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}), b"\0" * 12)
st_raw("gap.safetensors", j({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                              "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}), b"\0" * 12)
st_raw("unknown_dtype.safetensors", j({"a": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}}), b"\0" * 16)
st_raw("metadata_not_string.safetensors", j({"__metadata__": {"epoch": 3},
                                              "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}), b"\0" * 4)
st_raw("duplicate_keys.safetensors",
       b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
       b"\0" * 8)
st_raw("invalid_utf8.safetensors", b'{"\xff\xfe":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4)
st_raw("size_mismatch.safetensors", j({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}), b"\0" * 8)
st_raw("shape_overflow.safetensors", j({"a": {"dtype": "F32", "shape": [2 ** 62, 2 ** 62], "data_offsets": [0, 8]}}), b"\0" * 8)
st_raw("trailing_bytes.safetensors", j({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}), b"\0" * 9)
st_raw("not_json.safetensors", b"{not json at all}", b"")

# Hostile legacy files, built by hand: one float32 tensor 'w' over a 2-element storage '0', with one part
# spoilt by the arguments.
class LegacyStorage:
    """Stands in for a storage; the pickler below persists it by id, as torch.save does."""


def legacy_raw(name, little_endian=True, view=None, numel=2, count=None, payload=struct.pack("<2f", 1.5, -2.0),
               keys=("0",), cut=None):
    storage = LegacyStorage()

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            return ("storage", torch.FloatStorage, "0", "cpu", numel, view) if obj is storage else None

    out = io.BytesIO()
    for part in (0x1950a86a20f9469cfc6c, 1001,
                 {"protocol_version": 1001, "little_endian": little_endian,
                  "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(part, out, protocol=2)
    tensor = Reduce(torch._utils._rebuild_tensor_v2, (storage, 0, (2,), (1,), False, collections.OrderedDict()))
    Pickler(out, protocol=2).dump(collections.OrderedDict([("w", tensor)]))
    pickle.dump(list(keys), out, protocol=2)
    out.write(struct.pack("<q", numel if count is None else count) + payload)
    open(os.path.join(BAD, name), "wb").write(out.getvalue()[:cut])


legacy_raw("legacy_big_endian.pt", little_endian=False)
legacy_raw("legacy_view_metadata.pt", view=("1", 0, 2))
legacy_raw("legacy_count_mismatch.pt", count=3)
legacy_raw("legacy_count_overflow.pt", numel=2 ** 62)
legacy_raw("legacy_truncated_storage.pt", payload=struct.pack("<f", 1.5))
legacy_raw("legacy_key_twice.pt", keys=("0", "0"))
legacy_raw("legacy_trailing_bytes.pt", payload=struct.pack("<2f", 1.5, -2.0) + b"\0")
legacy_raw("legacy_truncated_pickle.pt", cut=250)

# TorchSharp hostile files.
open(os.path.join(BAD, "varint_forever.dat"), "wb").write(b"\x01\x01a" + b"\xff" * 64)
open(os.path.join(BAD, "rank_huge.dat"), "wb").write(b"\x01\x01a\x06" + leb128(1000000))
open(os.path.join(BAD, "count_huge.dat"), "wb").write(leb128(2 ** 40))
open(os.path.join(BAD, "data_short.dat"), "wb").write(b"\x01\x01a\x06\x01" + leb128(1000) + b"\0" * 10)

with open(os.path.join(HERE, "manifest.json"), "w") as f:
    json.dump(MANIFEST, f, indent=1, sort_keys=True)
    f.write("\n")
print("fixtures written to", HERE)
