#!/usr/bin/python3
"""Writes model.pt (torch.save of the state dict) and model.safetensors (same tensors, written by hand to the
safetensors layout, since python3-safetensors is not packaged) for nn.Sequential(8 x Linear(4096, 4096)), and the
same state dict as Hugging Face sharded checkpoints split at 150MB (4 shards): sharded-safetensors/
(model.safetensors.index.json + model-0000k-of-00004.safetensors) and sharded-bin/ (pytorch_model.bin.index.json +
torch.save shards pytorch_model-0000k-of-00004.bin)."""
import collections
import json
import os
import struct
import sys

import torch

folder = sys.argv[1]
torch.manual_seed(0)
model = torch.nn.Sequential(*[torch.nn.Linear(4096, 4096) for _ in range(8)])
sd = collections.OrderedDict((k, v.detach().contiguous()) for k, v in model.state_dict().items())
torch.save(sd, f"{folder}/model.pt")



def write_safetensors(path, tensors, metadata=None):
    header, offset = ({"__metadata__": metadata} if metadata else {}), 0
    for name, tensor in tensors.items():
        size = tensor.numel() * tensor.element_size()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for tensor in tensors.values():
            f.write(tensor.numpy().tobytes())


write_safetensors(f"{folder}/model.safetensors", sd)

# Hugging Face's split: shards fill in order up to max_shard_size (decimal MB).
limit, shards, current, size = 150_000_000, [], collections.OrderedDict(), 0
for name, tensor in sd.items():
    n = tensor.numel() * tensor.element_size()
    if current and size + n > limit:
        shards.append(current)
        current, size = collections.OrderedDict(), 0
    current[name] = tensor
    size += n
shards.append(current)
for kind, stem, ext in (("safetensors", "model", ".safetensors"), ("bin", "pytorch_model", ".bin")):
    os.makedirs(f"{folder}/sharded-{kind}", exist_ok=True)
    weight_map = {}
    for i, shard in enumerate(shards):
        name = f"{stem}-{i + 1:05d}-of-{len(shards):05d}{ext}"
        if ext == ".safetensors":
            write_safetensors(f"{folder}/sharded-{kind}/{name}", shard, {"format": "pt"})
        else:
            torch.save(shard, f"{folder}/sharded-{kind}/{name}")
        weight_map.update((k, name) for k in shard)
    total = sum(t.numel() * t.element_size() for t in sd.values())
    with open(f"{folder}/sharded-{kind}/{stem}{ext}.index.json", "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)
