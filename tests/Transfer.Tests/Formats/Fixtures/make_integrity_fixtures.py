#!/usr/bin/python3
"""Writes the integrity cases of the malicious corpus (issue 10, classes 5-7) with real PyTorch (1.13).

Run from anywhere: /usr/bin/python3 tests/Transfer.Tests/Formats/Fixtures/make_integrity_fixtures.py
Only files under malicious/ named below are (re)written; the zip members' bytes and CRCs are deterministic.
  crc_wrong_storage.pt  a valid torch.save whose storage members data/0 (a contiguous tensor) and data/1 (a
                        transposed view) each have one byte flipped, so their recorded CRC-32s are wrong;
                        data/2 is intact.
  crc_wrong_pickle.pt   the central directory records a wrong CRC-32 for data.pkl.
  overlap_members.pt    the directory points data/1 at data/0's local header: two members, one byte range.
  overlap_directory.pt  the directory gives 'version' 100 bytes, which run into the directory itself.
  control_names.safetensors  a valid file whose tensor names hold a newline and an ANSI escape.
  control_name_bad_dtype.safetensors  a tensor named "\x1b[31mred\nline2" with an unknown dtype: its
                        refusal quotes the name.
  long_name_bad_dtype.safetensors  the same with a 100,000-character name.
  long_name_many_tensors.safetensors  a valid 1 MB file: 10,000 one-float tensors and one whose name has
                        400,007 characters; tables used to pad every row to that name.
"""
import collections
import io
import json
import os
import struct
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "malicious")


def saved(state_dict):
    out = io.BytesIO()
    torch.save(state_dict, out)
    return bytearray(out.getvalue())


def member_data_offset(blob, name):
    with zipfile.ZipFile(io.BytesIO(bytes(blob))) as z:
        info = z.getinfo(name)
    local = info.header_offset
    name_length, extra_length = struct.unpack_from("<HH", blob, local + 26)
    return local + 30 + name_length + extra_length, info


def directory_entry(blob, name):
    at = blob.find(b"PK\x01\x02" + b"", 0)
    while at >= 0:
        length = struct.unpack_from("<H", blob, at + 28)[0]
        if blob[at + 46: at + 46 + length] == name.encode():
            return at
        at = blob.find(b"PK\x01\x02", at + 4)
    raise KeyError(name)


state = collections.OrderedDict([
    ("w", torch.arange(6, dtype=torch.float32).reshape(2, 3)),
    ("t", torch.arange(4, dtype=torch.float32).reshape(2, 2).t()),
    ("b", torch.ones(3)),
])

blob = saved(state)
for member in ("archive/data/0", "archive/data/1"):
    data, _ = member_data_offset(blob, member)
    blob[data + 1] ^= 0x40
open(os.path.join(BAD, "crc_wrong_storage.pt"), "wb").write(bytes(blob))

blob = saved(state)
entry = directory_entry(blob, "archive/data.pkl")
crc = struct.unpack_from("<I", blob, entry + 16)[0]
struct.pack_into("<I", blob, entry + 16, crc ^ 0xFFFFFFFF)
open(os.path.join(BAD, "crc_wrong_pickle.pt"), "wb").write(bytes(blob))

blob = saved(state)
first = directory_entry(blob, "archive/data/0")
second = directory_entry(blob, "archive/data/1")
local = struct.unpack_from("<I", blob, first + 42)[0]
struct.pack_into("<I", blob, second + 42, local)
open(os.path.join(BAD, "overlap_members.pt"), "wb").write(bytes(blob))

blob = saved(state)
entry = directory_entry(blob, "archive/version")
struct.pack_into("<II", blob, entry + 20, 100, 100)
open(os.path.join(BAD, "overlap_directory.pt"), "wb").write(bytes(blob))

header = json.dumps({
    "evil\nname": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
    "\x1b[31mred": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
}).encode()
open(os.path.join(BAD, "control_names.safetensors"), "wb").write(struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1, 2))


def one_bad_dtype(file, name):
    header = json.dumps({name: {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}}).encode()
    open(os.path.join(BAD, file), "wb").write(struct.pack("<Q", len(header)) + header + b"\0" * 16)


one_bad_dtype("control_name_bad_dtype.safetensors", "\x1b[31mred\nline2")
one_bad_dtype("long_name_bad_dtype.safetensors", "a" * 50000 + "b" * 50000)
entries = {"layer.%d.weight" % i: {"dtype": "F32", "shape": [1], "data_offsets": [4 * i, 4 * i + 4]} for i in range(10000)}
entries["x" * 400000 + ".weight"] = {"dtype": "F32", "shape": [1], "data_offsets": [40000, 40004]}
header = json.dumps(entries).encode()
open(os.path.join(BAD, "long_name_many_tensors.safetensors"), "wb").write(
    struct.pack("<Q", len(header)) + header + b"".join(struct.pack("<f", i) for i in range(10001)))
print("integrity fixtures written to", BAD)
