"""PyTorch 1.13 side of bench/Training.Bench: LeNet6 training throughput on Fashion-MNIST.

Same model layout as Transfer's LeNet6, batch 64, Adam 1e-3, the same intra-op thread count as the .NET
side (argument 2), train mode, shuffled order. Prints one line: `pytorch <images/s> <seconds> <batches>`.
Usage: /usr/bin/python3 lenet6_pytorch.py <batches> <threads>
"""
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    rank = struct.unpack(">I", raw[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


class LeNet6(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Sequential(
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return self.fc(self.conv(x))


def main():
    batches = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else torch.get_num_threads()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    images = torch.from_numpy(read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255).unsqueeze(1)
    labels = torch.from_numpy(read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    model = LeNet6()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(labels))
    model.train()

    def run(count, offset):
        for b in range(count):
            idx = order[(offset + b) * 64 % (len(order) - 64):][:64]
            optimizer.zero_grad()
            loss = loss_fn(model(images[idx]), labels[idx])
            loss.backward()
            optimizer.step()

    run(20, 0)  # warm-up
    start = time.perf_counter()
    run(batches, 20)
    seconds = time.perf_counter() - start
    print(f"pytorch {batches * 64 / seconds:.1f} {seconds:.3f} {batches}")


if __name__ == "__main__":
    main()
