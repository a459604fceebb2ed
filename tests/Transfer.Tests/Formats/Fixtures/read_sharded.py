"""Reads a Hugging Face sharded checkpoint the way PyTorch users do without HF libraries, and prints it as JSON.

Usage: /usr/bin/python3 read_sharded.py <index.json>
Loads every shard the index names (sorted by file name; .bin with torch.load, .safetensors parsed by hand to
the specification), merges them per the weight_map, checks each tensor lies in the shard the index names and
prints [{"name", "dtype", "shape", "sha256"}] in merged order (shard by shard, each in file order). The
Sharded tests compare it with `transfer inspect --format json --hash`.
"""
import hashlib
import json
import os
import struct
import sys

import numpy
import torch

DTYPES = {"F32": numpy.float32, "F64": numpy.float64, "F16": numpy.float16, "I64": numpy.int64, "I32": numpy.int32,
          "I16": numpy.int16, "I8": numpy.int8, "U8": numpy.uint8, "BOOL": numpy.bool_}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = numpy.frombuffer(data[8 + n + begin:8 + n + end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out


def main(index_path):
    with open(index_path) as f:
        index = json.load(f)
    folder = os.path.dirname(os.path.abspath(index_path))
    merged = {}
    for shard in sorted(set(index["weight_map"].values())):
        path = os.path.join(folder, shard)
        tensors = load_safetensors(path) if shard.endswith(".safetensors") else torch.load(path, weights_only=True)
        for name, tensor in tensors.items():
            assert index["weight_map"][name] == shard, name
            assert name not in merged, name
            merged[name] = tensor
    assert set(merged) == set(index["weight_map"])
    assert index["metadata"]["total_size"] == sum(t.numel() * t.element_size() for t in merged.values())
    print(json.dumps([{"name": k, "dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                       "sha256": hashlib.sha256(t.contiguous().numpy().tobytes()).hexdigest()} for k, t in merged.items()]))


if __name__ == "__main__":
    main(sys.argv[1])
