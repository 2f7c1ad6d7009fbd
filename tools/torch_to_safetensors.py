#!/usr/bin/env python3
"""Writes a PyTorch model's state_dict as a safetensors file that NetSpec's loadWeights reads.

    python3 tools/torch_to_safetensors.py resnet18 resnet18.safetensors      # torchvision
    python3 tools/torch_to_safetensors.py timm:resnet50_gn rn50gn.safetensors # timm
    python3 tools/torch_to_safetensors.py checkpoint.pt out.safetensors      # a saved state_dict

Needs only torch (and torchvision or timm for pretrained models): the safetensors format is
written here directly (an 8-byte little-endian header length, a JSON header, raw little-endian
tensor bytes), so Debian's torch without the safetensors module works too. Weights are whatever
the source provides: pretrained weights come from torchvision's or timm's own caches.
"""
import json
import struct
import sys

import torch

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.int64: "I64"}


def state_dict(source):
    if source.startswith("timm:"):
        import timm
        return timm.create_model(source[5:], pretrained=True).state_dict()
    if source.endswith((".pt", ".pth")):
        loaded = torch.load(source, map_location="cpu", weights_only=True)
        return loaded.get("state_dict", loaded)
    import torchvision
    return torchvision.models.get_model(source, weights="DEFAULT").state_dict()


def write(tensors, path):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        t = t.detach().cpu().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    write(state_dict(sys.argv[1]), sys.argv[2])
