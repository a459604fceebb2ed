#!/usr/bin/python3
"""Writes source.pt and target.pt (~SIZE MB each, same names and shapes, different values) with torch.save."""
import collections
import sys

import torch

folder, size_mb = sys.argv[1], int(sys.argv[2])
torch.manual_seed(0)
per = 1024 * 1024  # 4 MiB float32 tensors, plus a few small ones like a real model
count = max(1, size_mb * 1000 * 1000 // (per * 4))  # MB = 10^6 bytes
for name, seed in (("source", 1), ("target", 2)):
    g = torch.Generator().manual_seed(seed)
    sd = collections.OrderedDict()
    for i in range(count):
        sd[f"layers.{i}.weight"] = torch.randn(1024, 1024, generator=g)
        sd[f"layers.{i}.bias"] = torch.randn(1024, generator=g)
        sd[f"layers.{i}.norm.num_batches_tracked"] = torch.tensor(i)
    if name == "target":
        sd["head.weight"] = torch.randn(10, 1024, generator=g)  # not in the source: kept from the target
    else:
        sd["head.weight"] = torch.randn(20, 1024, generator=g)  # shape differs: skipped
    torch.save(sd, f"{folder}/{name}.pt")
