"""Makes the small Fashion-MNIST subset committed beside the LeNet5to6 example.

Reads the full set as Debian's dataset-fashion-mnist package installs it and writes the first TRAIN
training and first TEST test examples as IDX gz files with the original names, so the example runs on
machines without the full set. Output is deterministic (gzip mtime 0).

Run from this directory: python3 make_subset.py [SOURCE_DIR]
"""
import gzip
import struct
import sys

SOURCE = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
TRAIN, TEST = 2000, 500


def subset(name, count):
    with gzip.open(f"{SOURCE}/{name}", "rb") as f:
        data = f.read()
    magic, total = struct.unpack(">II", data[:8])
    rank = magic & 0xFF
    dims = struct.unpack(f">{rank}I", data[4:4 + 4 * rank])
    per_item = 1
    for d in dims[1:]:
        per_item *= d
    header = struct.pack(">I", magic) + struct.pack(f">{rank}I", count, *dims[1:])
    start = 4 + 4 * rank
    body = data[start:start + count * per_item]
    assert len(body) == count * per_item, name
    with open(name, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        out.write(header + body)


for split, count in (("train", TRAIN), ("t10k", TEST)):
    subset(f"{split}-images-idx3-ubyte.gz", count)
    subset(f"{split}-labels-idx1-ubyte.gz", count)
