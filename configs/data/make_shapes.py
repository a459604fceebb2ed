"""Writes the tiny `shapes` image folder used by configs/imagefolder-example.yaml and the tests.

28x28 grayscale binary PGM (P5) images of three classes - circle, cross, square - at random positions,
sizes and brightness with light noise: shapes/{train,val}/<class>/NN.pgm, 24 train and 8 val per class.
Deterministic (numpy seed 0). Run from anywhere: /usr/bin/python3 configs/data/make_shapes.py
"""
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shapes")
SIZE = 28


def draw(kind, rng):
    img = np.zeros((SIZE, SIZE), dtype=np.float64)
    r = rng.integers(5, 9)
    cy, cx = rng.integers(r + 1, SIZE - r - 1, size=2)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    if kind == "circle":
        d = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
        img[np.abs(d - r) < 1.2] = 1.0
    elif kind == "square":
        inside = (np.abs(yy - cy) <= r) & (np.abs(xx - cx) <= r)
        border = inside & ((np.abs(yy - cy) >= r - 1) | (np.abs(xx - cx) >= r - 1))
        img[border] = 1.0
    else:  # cross
        img[(np.abs(yy - cy) <= 1) & (np.abs(xx - cx) <= r)] = 1.0
        img[(np.abs(xx - cx) <= 1) & (np.abs(yy - cy) <= r)] = 1.0
    img *= rng.uniform(0.6, 1.0)
    img += rng.uniform(0, 0.15, size=img.shape)
    return np.clip(img * 255, 0, 255).astype(np.uint8)


def main():
    rng = np.random.default_rng(0)
    for split, count in (("train", 24), ("val", 8)):
        for kind in ("circle", "cross", "square"):
            folder = os.path.join(ROOT, split, kind)
            os.makedirs(folder, exist_ok=True)
            for i in range(count):
                with open(os.path.join(folder, f"{i:02d}.pgm"), "wb") as f:
                    f.write(b"P5\n%d %d\n255\n" % (SIZE, SIZE))
                    f.write(draw(kind, rng).tobytes())


if __name__ == "__main__":
    main()
