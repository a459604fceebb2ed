#!/usr/bin/python3
"""Writes the hostile files of issue 10's classes 1-4 and 10 into malicious/, byte for byte the same on every
run (fixed zip timestamps, no random numbers), and checks what PyTorch 1.13 itself reads from the ones it
can open, so the tests can hold Transfer to the same answer.

Run from anywhere: /usr/bin/python3 tests/Transfer.Tests/Formats/Fixtures/make_limit_fixtures.py
"""
import collections
import io
import os
import pickle
import struct
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "malicious")
FLOAT = struct.pack("<2f", 1.5, -2.0)


class Storage:
    """Stands in for a storage; persisted by id the way torch.save does."""

    def __init__(self, kind, key, numel, legacy=False):
        self.pid = ("storage", kind, key, "cpu", numel) + ((None,) if legacy else ())


class Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def tensor(storage, size, stride, offset=0):
    return Reduce(torch._utils._rebuild_tensor_v2, (storage, offset, size, stride, False, collections.OrderedDict()))


def state_pickle(tensors):
    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            return obj.pid if isinstance(obj, Storage) else None

    out = io.BytesIO()
    Pickler(out, protocol=2).dump(collections.OrderedDict(tensors))
    return out.getvalue()


def pt_zip(name, pkl, storages=(("0", FLOAT),)):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for member, data in [("archive/data.pkl", pkl), *((f"archive/data/{k}", v) for k, v in storages),
                             ("archive/version", b"3\n")]:
            z.writestr(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)), data)
    write(name, buf.getvalue())
    return os.path.join(BAD, name)


def legacy(name, tensors, storages=(("0", FLOAT),), tail=b""):
    out = io.BytesIO()
    for part in (0x1950a86a20f9469cfc6c, 1001,
                 {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(part, out, protocol=2)
    out.write(state_pickle(tensors))
    pickle.dump([k for k, _ in storages], out, protocol=2)
    for _, data in storages:
        out.write(struct.pack("<q", len(data) // 4) + data)
    write(name, out.getvalue() + tail)
    return os.path.join(BAD, name)


def write(name, data):
    with open(os.path.join(BAD, name), "wb") as f:
        f.write(data)


def leb128(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


# Class 1: a valid torch.save state dict whose tensor name safetensors reserves.
torch.save(collections.OrderedDict([("__metadata__", torch.tensor([1.5, -2.0])), ("w", torch.tensor([3.0]))]),
           os.path.join(BAD, "metadata_name.pt"))

# Class 2: a stride-0 view of one float that claims 2 GiB; a string longer than the pickle; an unterminated
# legacy pickle stream just under 1 MB.
f32 = Storage(torch.FloatStorage, "0", 2)
pt_zip("stride0_2gib.pt", state_pickle([("w", tensor(f32, (2 ** 29,), (0,)))]))
pt_zip("stride0_512mib.pt", state_pickle([("w", tensor(f32, (2 ** 27,), (0,)))]))  # read with --allow-expansion
pt_zip("string_past_end.pt", b"\x80\x02X" + struct.pack("<I", 0xFFFFFFF0) + b"abc")
write("legacy_unterminated.pt", bytes([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e])
      + b"\x80\x02]" + b"J\x01\x00\x00\x00a" * 160000)

# Real expanded views as torch.save writes them (stride 0 in an inner or outer dimension, a 0-dim source).
base = torch.arange(3.)
torch.save(collections.OrderedDict([("rows", base.view(3, 1).expand(3, 4)), ("cols", base.expand(2, 3)),
                                    ("scalar", torch.tensor(2.5).expand(5))]), os.path.join(BAD, "expand_views.pt"))

# Class 3: sizes whose arithmetic overflows 64 bits.
write("shape_overflow_zero.dat", b"\x01\x01a\x06\x03" + leb128(2 ** 62) + leb128(2 ** 62) + leb128(0))
pt_zip("sum_overflow.pt", state_pickle([("a", tensor(f32, (2 ** 60,), (0,))), ("b", tensor(f32, (2 ** 60,), (0,)))]))
good = open(pt_zip("zip64_locator_max.pt", state_pickle([("w", tensor(f32, (2,), (1,)))])), "rb").read()
eocd = good.rfind(b"PK\x05\x06")
write("zip64_locator_max.pt", good[:eocd] + struct.pack("<IIQI", 0x07064b50, 0, 2 ** 64 - 1, 1) + good[eocd:])

# Class 4: one storage key named by two tensors with different dtypes. PyTorch keeps the first type it sees
# for a key and builds every later tensor on that storage with it; checked here against torch.load.
f64 = Storage(torch.DoubleStorage, "0", 1)
shared = [("a", tensor(f32, (2,), (1,))), ("b", tensor(f64, (1,), (1,), offset=1))]
for path in (pt_zip("shared_key_two_dtypes.pt", state_pickle(shared)),
             legacy("legacy_shared_key_two_dtypes.pt",
                    [("a", tensor(Storage(torch.FloatStorage, "0", 2, True), (2,), (1,))),
                     ("b", tensor(Storage(torch.DoubleStorage, "0", 1, True), (1,), (1,), offset=1))])):
    loaded = torch.load(path)
    assert loaded["a"].dtype == torch.float32 and loaded["a"].tolist() == [1.5, -2.0], loaded
    assert loaded["b"].dtype == torch.float32 and loaded["b"].tolist() == [-2.0], loaded
print("limit fixtures written to", BAD)
