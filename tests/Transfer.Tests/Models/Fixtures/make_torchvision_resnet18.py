# Writes the state dict of torchvision's resnet18 (ImageNet layout: 3 input channels, 1000 classes), as a
# PyTorch user would save a model they trained: torch.save(model.state_dict(), path). Weights are random
# (seeded), not the pretrained ones: no network is needed, and the tests compare tensors, not accuracy.
# Usage: /usr/bin/python3 make_torchvision_resnet18.py OUT.pt
import sys

import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.resnet18(weights=None)
with torch.no_grad():
    for module in model.modules():  # running statistics that differ from their defaults, so copying them shows
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
            module.num_batches_tracked.fill_(7)
torch.save(model.state_dict(), sys.argv[1])
