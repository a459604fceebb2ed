#!/usr/bin/python3
"""The PyTorch baseline: torch.load x2, merge by name and shape, torch.save. Prints seconds and peak RSS."""
import resource
import sys
import time

import torch

source_path, target_path, out_path = sys.argv[1:4]
start = time.perf_counter()
source = torch.load(source_path)
target = torch.load(target_path)
merged = target.copy()
loaded = 0
for name, value in target.items():
    s = source.get(name)
    if s is not None and s.shape == value.shape and s.dtype == value.dtype:
        merged[name] = s
        loaded += 1
torch.save(merged, out_path)
elapsed = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{elapsed:.3f} {peak_kb * 1024} {loaded}")
