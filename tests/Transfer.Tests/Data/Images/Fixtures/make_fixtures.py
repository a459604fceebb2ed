"""Makes the image fixtures of the decoder and resize tests (run with /usr/bin/python3 from this folder).

two-frames.gif  4x2, first frame left half red / right half blue, second frame all green (only the first is read)
rgb.bmp         3x2 24-bit BMP with six distinct colours
gray.png        3x2 8-bit grayscale PNG
rgb.ppm         2x2 binary PPM (P6)
resize.json     a 3x5x7 float image and torchvision's bilinear antialiased resizes of it (shorter side to 3, and to 9)
"""
import json

import torch
import torchvision.transforms.functional as F
from PIL import Image
from torchvision.transforms import InterpolationMode

first = Image.new("RGB", (4, 2))
for x in range(4):
    for y in range(2):
        first.putpixel((x, y), (255, 0, 0) if x < 2 else (0, 0, 255))
second = Image.new("RGB", (4, 2), (0, 255, 0))
first.save("two-frames.gif", save_all=True, append_images=[second], duration=100, loop=0)

bmp = Image.new("RGB", (3, 2))
colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255), (255, 0, 255)]
for i, c in enumerate(colours):
    bmp.putpixel((i % 3, i // 3), c)
bmp.save("rgb.bmp")

gray = Image.new("L", (3, 2))
for i, v in enumerate([0, 50, 100, 150, 200, 250]):
    gray.putpixel((i % 3, i // 3), v)
gray.save("gray.png")

with open("rgb.ppm", "wb") as f:
    f.write(b"P6\n2 2\n255\n" + bytes([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]))

g = torch.Generator().manual_seed(0)
image = torch.rand(3, 5, 7, generator=g)
down = F.resize(image, 3, interpolation=InterpolationMode.BILINEAR, antialias=True)
up = F.resize(image, 9, interpolation=InterpolationMode.BILINEAR, antialias=True)
with open("resize.json", "w") as f:
    json.dump({
        "image": image.flatten().tolist(),
        "down": {"shape": list(down.shape), "data": down.flatten().tolist()},
        "up": {"shape": list(up.shape), "data": up.flatten().tolist()},
    }, f)
