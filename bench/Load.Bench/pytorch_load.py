#!/usr/bin/python3
"""PyTorch 1.13's side: model.load_state_dict(torch.load(f)) into nn.Sequential(8 x Linear(4096, 4096)).
Prints the seconds the load took; with --hash also the SHA-256 of every loaded tensor's bytes."""
import hashlib
import sys
import time

import torch

path = sys.argv[1]
torch.set_grad_enabled(False)
model = torch.nn.Sequential(*[torch.nn.Linear(4096, 4096) for _ in range(8)])
start = time.perf_counter()
model.load_state_dict(torch.load(path))
elapsed = time.perf_counter() - start
print(f"{elapsed:.4f}")
if "--hash" in sys.argv:
    for name, tensor in model.state_dict().items():
        print(name, hashlib.sha256(tensor.contiguous().numpy().tobytes()).hexdigest())
