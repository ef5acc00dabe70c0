#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reference data for tests/model/test_clip_encoder.cpp from Debian's torchvision: a seeded random
r2plus1d_18 (batch-norm statistics randomised too, so that they matter), two clips of raw frames,
their preparation through PIL (bilinear resize, ToTensor, Kinetics normalisation) and the pooled
features (the network without `fc`). Writes the weights (torchvision's key names, `fc` included as
in its usual file) and the data to two safetensors files.

    clip_encoder_reference.py WEIGHTS.safetensors DATA.safetensors
"""
import json
import struct
import sys

import numpy as np
import torch
import torchvision
from PIL import Image

MEAN = (0.43216, 0.394666, 0.37645)
STD = (0.22803, 0.22145, 0.216989)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        dtype = {torch.float32: "F32", torch.uint8: "U8", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def pil_prepare(frames):
    """frames [F, H, W, 3] uint8 -> [3, 8, 112, 112] as the repository's extractor prepares a clip."""
    picks = np.round(np.linspace(0, len(frames) - 1, 8)).astype(int)
    out = []
    for i in picks:
        image = Image.fromarray(frames[i].numpy()).resize((112, 112), Image.BILINEAR)
        x = torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1).float() / 255
        out.append((x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1))
    return torch.stack(out, 1)


def main():
    torch.manual_seed(2)
    net = torchvision.models.video.r2plus1d_18()
    with torch.no_grad():
        for name, module in net.named_modules():
            if isinstance(module, torch.nn.BatchNorm3d):
                module.weight.normal_(1, 0.2)
                module.bias.normal_(0, 0.1)
                module.running_mean.normal_(0, 0.2)
                module.running_var.uniform_(0.5, 2)
    net.eval()
    # Smooth random pictures (a shrink that aliases would test the resize more than the network).
    base = torch.rand(2, 12, 3, 12, 16)
    frames = (torch.nn.functional.interpolate(base.flatten(0, 1), size=(90, 120), mode="bilinear", align_corners=False)
              * 255).round().clamp(0, 255).to(torch.uint8).view(2, 12, 3, 90, 120).permute(0, 1, 3, 4, 2).contiguous()
    prepared = torch.stack([pil_prepare(clip) for clip in frames])
    write_safetensors(sys.argv[1], net.state_dict())
    with torch.no_grad():
        net.fc = torch.nn.Identity()
        features = net(prepared)
    write_safetensors(sys.argv[2], {"frames": frames, "prepared": prepared, "features": features})


if __name__ == "__main__":
    main()
