#!/usr/bin/python3
"""Writes the NumPy pickle fixtures (.pkl) the Formats tests read, with real NumPy (1.24) and PyTorch (1.13).

Run from anywhere: /usr/bin/python3 tests/Transfer.Tests/Formats/Fixtures/make_numpy_fixtures.py
Deterministic: a rerun writes the same bytes, except malicious/numpy_torch_tensors.pkl, whose embedded torch.save
bytes carry the time (its refusal, at the first torch global, does not change).

- numpy/lenet5_p{2,3,4,5}_*.pkl: the arrays of examples/LeNet5to6/lenet5.pt's model_state_dict, pickled with
  protocols 2 to 5 (in-band) in detectron2's model-zoo layout ({'model': arrays, '__author__': ...,
  'matching_heuristics': True}) and Caffe2 Detectron's ({'blobs': arrays, 'cfg': yaml text}).
- numpy/dtypes_p{2,3,4,5}.pkl: a dtype zoo (big-endian, Fortran order, f2/f8/i1..i8/u1/bool, 0-d and empty
  arrays, a nested dict) and Python and NumPy scalars kept as metadata.
- numpy/caffe2_py2.pkl: a Caffe2 pickle laid out byte for byte as Python 2 + NumPy wrote them (str data in
  SHORT_BINSTRING/BINSTRING, numpy.dtype('f4', 0, 1)), checked by loading it with encoding='latin1'.
- numpy_manifest.json: for every file, the state-dict key, metadata and each array's name, dtype, shape and
  the SHA-256 of its C-order little-endian bytes, computed from what pickle.load gives back.
- malicious/numpy_*.pkl: hostile pickles that must be refused without running anything (a payload would
  create /tmp/transfer_pwned_numpy).
"""
import collections
import hashlib
import json
import os
import pickle
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
OUT = os.path.join(HERE, "numpy")
BAD = os.path.join(HERE, "malicious")
os.makedirs(OUT, exist_ok=True)
MANIFEST = {}
STATE_DICT_KEYS = ["state_dict", "model_state_dict", "model", "module", "blobs"]


def little_bytes(a):
    """The array's items in C order, little-endian: what Transfer hashes."""
    return np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<"))).tobytes()


def flatten(d, prefix=""):
    for k, v in d.items():
        name = prefix + k
        if isinstance(v, np.ndarray):
            yield name, v
        elif isinstance(v, dict):
            yield from flatten(v, name + ".")


def record(name, data):
    """Loads the written file back with pickle and records what NumPy gives."""
    with open(os.path.join(OUT, name), "rb") as f:
        loaded = pickle.load(f, encoding="latin1")
    key = None
    state = loaded
    if not any(isinstance(v, np.ndarray) for v in loaded.values()):
        key = next(k for k in STATE_DICT_KEYS if isinstance(loaded.get(k), dict))
        state = loaded[key]
    for (n1, a1), (n2, a2) in zip(flatten(state), flatten(data if key is None else data[key])):
        assert n1 == n2 and a1.dtype.name == a2.dtype.name and a1.shape == a2.shape and little_bytes(a1) == little_bytes(a2), n1
    metadata = {k: str(v) for k, v in loaded.items()
                if isinstance(v, (bool, int, float, str)) or (isinstance(v, np.generic) and v.dtype.kind in "biuf")}
    entry = {"format": "numpy", "tensors": [
        {"name": n, "dtype": a.dtype.name, "shape": list(a.shape), "sha256": hashlib.sha256(little_bytes(a)).hexdigest()}
        for n, a in flatten(state)]}
    if key is not None:
        entry["stateDictKey"] = key
    if metadata:
        entry["metadata"] = metadata
    MANIFEST[name] = entry


def write(name, data, protocol):
    with open(os.path.join(OUT, name), "wb") as f:
        pickle.dump(data, f, protocol=protocol)
    record(name, data)


# ---------------------------------------------------------------- LeNet5's arrays, detectron2 and Caffe2 layouts
checkpoint = torch.load(os.path.join(ROOT, "examples", "LeNet5to6", "lenet5.pt"))
lenet = collections.OrderedDict((k, v.numpy()) for k, v in checkpoint["model_state_dict"].items())
for k, v in checkpoint["model_state_dict"].items():
    assert hashlib.sha256(v.contiguous().numpy().tobytes()).digest() == hashlib.sha256(little_bytes(lenet[k])).digest()
detectron2 = {"model": dict(lenet), "__author__": "Transfer fixtures", "matching_heuristics": True}
caffe2 = {"blobs": dict(lenet), "cfg": "MODEL:\n  TYPE: lenet5\n"}
write("lenet5_p2_caffe2.pkl", caffe2, 2)
write("lenet5_p3_detectron2.pkl", detectron2, 3)
write("lenet5_p4_caffe2.pkl", caffe2, 4)
write("lenet5_p5_detectron2.pkl", detectron2, 5)

# ---------------------------------------------------------------- dtype zoo
rng = np.random.default_rng(5)


def values(shape, dtype):
    if np.dtype(dtype).kind == "b":
        return rng.integers(0, 2, shape).astype(dtype)
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, endpoint=True, dtype=np.int64).astype(dtype)
    return (rng.standard_normal(shape) * 100).astype(dtype)


zoo = collections.OrderedDict()
for code in ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "b1"]:
    zoo[code] = values((3, 4), code)
for code in ["f2", "f4", "f8", "i2", "i4", "i8"]:
    zoo[code + "_big"] = values((2, 3, 4), ">" + code)
zoo["f4_fortran"] = np.asfortranarray(values((2, 3, 4), "f4"))
zoo["i8_fortran_big"] = np.asfortranarray(values((3, 5), ">i8"))
zoo["u1_fortran"] = np.asfortranarray(values((4, 3), "u1"))
zoo["f4_transposed"] = values((4, 6), "f4").T  # F-contiguous: pickled with is_fortran set
zoo["f8_sliced"] = values((5, 6), "f8")[::2, 1::2]  # neither: pickled as a C-order copy
zoo["f4_0d"] = np.array(3.25, dtype="f4")
zoo["f8_0d_big"] = np.array(-1.5, dtype=">f8")
zoo["f4_empty"] = np.zeros((0, 3), dtype="f4")
zoo["i8_empty_fortran"] = np.asfortranarray(np.zeros((3, 0, 2), dtype="i8"))
zoo["f4_column"] = np.asfortranarray(values((5, 1), "f4"))
# Over 64 KiB, so protocol 2's latin-1 text of it stays in the file and is decoded when read.
zoo["f4_fortran_big_large"] = np.asfortranarray(values((130, 140), ">f4"))
zoo["nested"] = {"inner": {"weight": values((2, 2), "f4")}, "bias": values((2,), ">f4")}
zoo["epoch"] = 3
zoo["lr"] = 0.1
zoo["note"] = "zoo"
zoo["frozen"] = False
zoo["step"] = np.int64(90000)
zoo["lr_f32"] = np.float32(0.1)
zoo["best_f16"] = np.float16(0.1)
zoo["loss_f64"] = np.float64(0.25)
zoo["done"] = np.bool_(True)
zoo["big_i4"] = np.array(-7, dtype=">i4")[()]
zoo["complex"] = np.complex64(1 + 2j)  # scalars of dtypes Transfer does not read: neither metadata nor tensors
zoo["arch"] = np.str_("lenet5-with-a-long-name")
assert zoo["f4_transposed"].flags.f_contiguous and not zoo["f4_transposed"].flags.c_contiguous
assert not zoo["f8_sliced"].flags.f_contiguous and not zoo["f8_sliced"].flags.c_contiguous
for p in [2, 3, 4, 5]:
    write(f"dtypes_p{p}.pkl", zoo, p)


# ---------------------------------------------------------------- Python 2 + NumPy layout, assembled by hand
def py2_str(b):
    return (b"U" + bytes([len(b)]) + b) if len(b) < 256 else (b"T" + struct.pack("<i", len(b)) + b)


def py2_int(n):
    return b"K" + bytes([n]) if 0 <= n < 256 else b"J" + struct.pack("<i", n)


def py2_array(a):
    order = "|" if a.dtype.itemsize == 1 else a.dtype.byteorder.replace("=", "<")
    code = a.dtype.str[1:].encode()
    return (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R("
            + py2_int(1) + b"(" + b"".join(py2_int(s) for s in a.shape) + b"t"
            + b"cnumpy\ndtype\n" + py2_str(code) + b"K\x00K\x01\x87R(K\x03" + py2_str(order.encode())
            + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb" + b"\x89" + py2_str(a.tobytes()) + b"tb")


py2 = collections.OrderedDict([("conv1_w", values((4, 1, 3, 3), "f4")), ("conv1_b", values((4,), "f4")),
                               ("fc_w", values((10, 36), ">f4")), ("steps", values((3,), "i8"))])
body = b"".join(py2_str(k.encode()) + py2_array(v) for k, v in py2.items())
with open(os.path.join(OUT, "caffe2_py2.pkl"), "wb") as f:
    f.write(b"\x80\x02}(U\x05blobs}(" + body + b"uU\n__author__U\x09Detectronu.")
record("caffe2_py2.pkl", {"blobs": py2})

with open(os.path.join(HERE, "numpy_manifest.json"), "w") as f:
    json.dump(MANIFEST, f, indent=1, sort_keys=True)
    f.write("\n")

# ---------------------------------------------------------------- malicious corpus
MARK = "/tmp/transfer_pwned_numpy"


class Reduce:
    def __init__(self, fn, args, state=None):
        self.fn, self.args, self.state = fn, args, state

    def __reduce__(self):
        return (self.fn, self.args) if self.state is None else (self.fn, self.args, self.state)


def bad(name, data, protocol=2):
    raw = data if isinstance(data, bytes) else pickle.dumps(data, protocol=protocol)
    with open(os.path.join(BAD, name), "wb") as f:
        f.write(raw)


from numpy.testing._private.utils import runstring  # noqa: E402  (only pickled by reference, never called here)

reconstruct = np.core.multiarray._reconstruct
f4 = np.dtype("f4")
bad("numpy_load_global.pkl", {"w": Reduce(np.load, ("/etc/passwd",))})
bad("numpy_testing_runstring.pkl", {"w": Reduce(runstring, (f"open('{MARK}', 'w').close()", {}))}, protocol=4)
bad("numpy_reconstruct_args.pkl", {"w": Reduce(reconstruct, (np.ndarray, (0,), b"b", 7))})
bad("numpy_reconstruct_dtype.pkl", {"w": Reduce(reconstruct, (np.dtype, (0,), b"b"))})
itemsize = bytearray(pickle.dumps({"w": np.zeros(2, "f4")}, protocol=2))
at = itemsize.find(b"J\xff\xff\xff\xff")
itemsize[at:at + 5] = b"J\x08\x00\x00\x00"
bad("numpy_itemsize_lie.pkl", bytes(itemsize))
bad("numpy_shape_overflow.pkl", {"w": Reduce(reconstruct, (np.ndarray, (0,), b"b"), (1, (2 ** 62, 2 ** 62), f4, False, b"\0" * 4))}, protocol=3)
bad("numpy_shape_exceeds_bytes.pkl", {"w": Reduce(reconstruct, (np.ndarray, (0,), b"b"), (1, (1000,), f4, False, b"\0" * 4))}, protocol=3)
bad("numpy_negative_dim.pkl", {"w": Reduce(reconstruct, (np.ndarray, (0,), b"b"), (1, (-1, 3), f4, False, b"\0" * 12))}, protocol=3)
bad("numpy_out_of_band.pkl", pickle.dumps({"w": np.ones(4, "f4")}, protocol=5, buffer_callback=lambda b: False))
protocol6 = bytearray(pickle.dumps({"w": np.ones(4, "f4")}, protocol=5))
protocol6[1] = 6
bad("numpy_protocol6.pkl", bytes(protocol6))
bad("numpy_object_array.pkl", {"w": np.array([1, "two"], dtype=object)})
bad("numpy_complex.pkl", {"w": np.ones(2, "f4"), "c": np.ones(2, "c8")}, protocol=4)
cycle = {"w": np.ones(2, "f4")}
cycle["self"] = cycle
bad("numpy_cycle.pkl", cycle)
bad("numpy_torch_tensors.pkl", collections.OrderedDict(w=torch.ones(2)))
bad("numpy_bytes_claim.pkl", b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01w\x8e" + struct.pack("<Q", 2 ** 60) + b"s.")
import codecs  # noqa: E402

long_text = {"w": Reduce(reconstruct, (np.ndarray, (0,), b"b"),
                         (1, (20000,), f4, False, Reduce(codecs.encode, ("\u0100" + "a" * 79999, "latin1"))))}
bad("numpy_text_above_latin1.pkl", long_text)
invalid = bytearray(pickle.dumps({"w": np.arange(30000, dtype="f4") * 1.5}, protocol=2))
at = invalid.find(b"\xc3", invalid.find(b"latin1"))
invalid[at] = 0xFF
bad("numpy_text_invalid_utf8.pkl", bytes(invalid))
bad("numpy_scalar_size.pkl", {"w": np.ones(2, "f4"), "step": Reduce(np.core.multiarray.scalar, (f4, b"\0" * 8))}, protocol=3)
bad("numpy_name_clash.pkl", {"a.b": np.ones(2, "f4"), "a": {"b": np.ones(2, "f4")}})
bad("numpy_key_not_string.pkl", {"w": np.ones(2, "f4"), 7: np.ones(2, "f4")})
