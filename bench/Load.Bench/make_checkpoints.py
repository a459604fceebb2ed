#!/usr/bin/python3
"""Writes model.pt (torch.save of the state dict) and model.safetensors (same tensors, written by hand to the
safetensors layout, since python3-safetensors is not packaged) for nn.Sequential(8 x Linear(4096, 4096))."""
import collections
import json
import struct
import sys

import torch

folder = sys.argv[1]
torch.manual_seed(0)
model = torch.nn.Sequential(*[torch.nn.Linear(4096, 4096) for _ in range(8)])
sd = collections.OrderedDict((k, v.detach().contiguous()) for k, v in model.state_dict().items())
torch.save(sd, f"{folder}/model.pt")

header, offset = {}, 0
for name, tensor in sd.items():
    size = tensor.numel() * tensor.element_size()
    header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + size]}
    offset += size
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * ((8 - len(text) % 8) % 8)
with open(f"{folder}/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for tensor in sd.values():
        f.write(tensor.numpy().tobytes())
