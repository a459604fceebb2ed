"""Writes torchvision's resnet18 state-dict keys, shapes and dtypes (one per line) for ResNet18KeysTests.

Run: /usr/bin/python3 make_resnet18_keys.py > resnet18_keys.txt   (PyTorch 1.13, torchvision 0.14)
"""
import torchvision

model = torchvision.models.resnet18(num_classes=1000)
for name, tensor in model.state_dict().items():
    print(name, list(tensor.shape), str(tensor.dtype).replace("torch.", ""))
