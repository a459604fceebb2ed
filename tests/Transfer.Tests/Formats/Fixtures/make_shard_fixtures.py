#!/usr/bin/python3
"""Writes the Hugging Face sharded-checkpoint fixtures the Sharded tests read, with PyTorch 1.13 and no HF library.

Run from anywhere: /usr/bin/python3 tests/Transfer.Tests/Formats/Fixtures/make_shard_fixtures.py
The output is deterministic except for the time stamps torch.save puts in .bin shards' zip members.

sharded/safetensors/   model.safetensors.index.json + model-0000{1,2,3}-of-00003.safetensors
sharded/pytorch/       pytorch_model.bin.index.json + pytorch_model-0000{1,2,3}-of-00003.bin (torch.save zips)
    both hold the model_state_dict of examples/LeNet5to6/lenet5.pt, split as Hugging Face does at
    max_shard_size=100KB (decimal): shards fill in order, a tensor larger than the limit gets its own shard.
    Safetensors shards are written by hand to the format's specification, the way the Rust writer lays them
    out: header keys and data sorted by name, `__metadata__` {"format": "pt"}, header padded with spaces to 8.
sharded/manifest.json  the state dict as PyTorch loads it: name, dtype, shape, SHA-256 of the contiguous bytes.
sharded/hostile/<case>/model.safetensors.index.json  small sets that must be refused with one line:
    missing_shard (the index names a shard that is not there), two_shards (a tensor in two shards),
    wrong_total (total_size disagrees), escape (a shard path leaving the folder), unlisted (a shard tensor
    the weight_map does not list), absent (the index maps a tensor to a shard that does not hold it),
    duplicate_key (the weight_map names a tensor twice), bad_types (total_size is a string),
    two_indexes/ (a folder holding two indexes).
sharded/tied_hub/, sharded/tied_sum/  pytorch_model.bin.index.json + 2 torch.save shards whose first holds tied
    weights (emb.weight and head.weight share one storage); total_size counts that storage once, as
    huggingface_hub's splitter does (tied_hub), or every tensor, as older transformers did (tied_sum). Both are valid.
"""
import collections
import hashlib
import json
import os
import shutil
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "sharded")
LENET5 = os.path.join(HERE, "..", "..", "..", "..", "examples", "LeNet5to6", "lenet5.pt")
MAX_SHARD_SIZE = 100 * 1000  # "100KB" in Hugging Face's decimal units

SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8"}


def nbytes(t):
    return t.numel() * t.element_size()


def split(state_dict, limit):
    """Hugging Face's split, keeping state-dict order: a new shard when the next tensor would pass the limit."""
    shards, current, size = [], collections.OrderedDict(), 0
    for name, tensor in state_dict.items():
        if current and (nbytes(tensor) > limit or size + nbytes(tensor) > limit):
            shards.append(current)
            current, size = collections.OrderedDict(), 0
        current[name] = tensor
        size += nbytes(tensor)
    shards.append(current)
    return shards


def safetensors_bytes(tensors, metadata={"format": "pt"}):
    header, data, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        data.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(data)


def write_index(path, weight_map, total_size):
    with open(path, "w") as f:
        f.write(json.dumps({"metadata": {"total_size": total_size}, "weight_map": weight_map}, indent=2, sort_keys=True) + "\n")


def write_set(folder, stem, ext, state_dict, limit):
    os.makedirs(folder, exist_ok=True)
    shards = split(state_dict, limit)
    weight_map, total = {}, 0
    for i, shard in enumerate(shards):
        name = f"{stem}-{i + 1:05d}-of-{len(shards):05d}{ext}"
        path = os.path.join(folder, name)
        if ext == ".safetensors":
            with open(path, "wb") as f:
                f.write(safetensors_bytes(shard))
        else:
            torch.save(collections.OrderedDict((k, v.clone()) for k, v in shard.items()), path)
        for k, v in shard.items():
            weight_map[k] = name
            total += nbytes(v)
    index = f"{stem}{ext}.index.json"
    write_index(os.path.join(folder, index), weight_map, total)
    return len(shards)


def tensor_sha256(t):
    return hashlib.sha256(t.detach().contiguous().numpy().tobytes()).hexdigest()


def hostile(case, shards, weight_map=None, total=None, index_text=None):
    """A small set: `shards` maps shard file names to {name: tensor}; the index is written as given."""
    folder = os.path.join(OUT, "hostile", case)
    os.makedirs(folder, exist_ok=True)
    for name, tensors in shards.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(safetensors_bytes(tensors))
    if weight_map is None:
        weight_map = {k: name for name, tensors in shards.items() for k in tensors}
    if total is None:
        total = sum(nbytes(t) for tensors in shards.values() for t in tensors.values())
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        f.write(index_text if index_text is not None else
                json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2, sort_keys=True) + "\n")


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    state_dict = torch.load(LENET5)["model_state_dict"]
    assert write_set(os.path.join(OUT, "safetensors"), "model", ".safetensors", state_dict, MAX_SHARD_SIZE) == 3
    assert write_set(os.path.join(OUT, "pytorch"), "pytorch_model", ".bin", state_dict, MAX_SHARD_SIZE) == 3
    manifest = {"tensors": [{"name": k, "dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape), "sha256": tensor_sha256(v)}
                            for k, v in state_dict.items()]}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")

    g = torch.Generator().manual_seed(12)
    a, b, c = (torch.randn(2, 3, generator=g) for _ in range(3))
    s1, s2, s3 = "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"
    three = {s1: {"a": a}, s2: {"b": b}, s3: {"c": c}}
    hostile("missing_shard", {s1: {"a": a}, s2: {"b": b}}, weight_map={"a": s1, "b": s2, "c": s3})
    hostile("two_shards", {s1: {"a": a}, s2: {"b": b, "a": a}, s3: {"c": c}}, weight_map={"a": s1, "b": s2, "c": s3})
    hostile("wrong_total", three, total=3 * 24 + 4)
    hostile("escape", three, weight_map={"a": s1, "b": s2, "c": "../" + s3})
    hostile("unlisted", {s1: {"a": a}, s2: {"b": b, "d": a}, s3: {"c": c}}, weight_map={"a": s1, "b": s2, "c": s3})
    hostile("absent", three, weight_map={"a": s1, "b": s3, "c": s3})
    hostile("duplicate_key", three, index_text='{"metadata": {"total_size": 72}, "weight_map": {"a": "%s", "b": "%s", "c": "%s", "a": "%s"}}\n' % (s1, s2, s3, s1))
    hostile("bad_types", three, index_text='{"metadata": {"total_size": "72"}, "weight_map": {"a": "%s", "b": "%s", "c": "%s"}}\n' % (s1, s2, s3))
    w, bias = torch.randn(4, 3, generator=g), torch.randn(5, generator=g)
    tied = [collections.OrderedDict([("emb.weight", w), ("head.weight", w)]), collections.OrderedDict([("head.bias", bias)])]
    for case, total in (("tied_hub", nbytes(w) + nbytes(bias)), ("tied_sum", 2 * nbytes(w) + nbytes(bias))):
        folder = os.path.join(OUT, case)
        os.makedirs(folder)
        for i, shard in enumerate(tied):
            torch.save(shard, os.path.join(folder, f"pytorch_model-{i + 1:05d}-of-00002.bin"))
        write_index(os.path.join(folder, "pytorch_model.bin.index.json"),
                    {k: f"pytorch_model-{i + 1:05d}-of-00002.bin" for i, shard in enumerate(tied) for k in shard}, total)
    manifest["tied"] = {k: tensor_sha256(v) for shard in tied for k, v in shard.items()}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")

    two = os.path.join(OUT, "hostile", "two_indexes")
    hostile("two_indexes", three)
    shutil.copy(os.path.join(two, "model.safetensors.index.json"), os.path.join(two, "other.safetensors.index.json"))


if __name__ == "__main__":
    main()
