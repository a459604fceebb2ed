#!/usr/bin/python3
"""Checks that two merged checkpoints hold the same names, in the same order, with equal tensors."""
import sys

import torch

a = torch.load(sys.argv[1], weights_only=True)
b = torch.load(sys.argv[2], weights_only=True)
same = list(a) == list(b) and all(a[k].dtype == b[k].dtype and torch.equal(a[k], b[k]) for k in a)
print("equal" if same else "DIFFERENT")
