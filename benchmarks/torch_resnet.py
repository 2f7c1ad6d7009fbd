#!/usr/bin/env python3
"""torchvision ResNet-50 / ResNet-18 inference timings, the reference for NetSpec's README table.

Same shapes and threads as NetSpec's benchmarks: float32, 224x224, 1000 classes, batch 1 and 8,
channels-last, eval mode, no grad. Prints one JSON object per configuration. Exits 0 with a
message when PyTorch is not installed (Debian: apt-get install python3-torch python3-torchvision).
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    import torchvision
except ImportError:
    print("torch_resnet.py: skipped: PyTorch/torchvision not installed "
          "(Debian: apt-get install python3-torch python3-torchvision)", file=sys.stderr)
    sys.exit(0)


def bench(name, batch, threads, warmup, iterations):
    torch.set_num_threads(threads)
    model = getattr(torchvision.models, name)(weights=None).eval().to(memory_format=torch.channels_last)
    x = torch.rand(batch, 3, 224, 224).to(memory_format=torch.channels_last)
    times = []
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        for _ in range(iterations):
            start = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    median = statistics.median(times)
    return {
        "engine": f"PyTorch {torch.__version__} (channels-last)",
        "model": name, "batch": batch, "threads": threads,
        "median_ms": round(median, 2),
        "p90_ms": round(times[min(len(times) - 1, int(len(times) * 0.9))], 2),
        "images_per_s": round(batch * 1000 / median, 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--models", default="resnet50,resnet18")
    parser.add_argument("--batches", default="1,8")
    args = parser.parse_args()
    for name in args.models.split(","):
        for batch in (int(b) for b in args.batches.split(",")):
            print(json.dumps(bench(name, batch, args.threads, args.warmup, args.iterations)), flush=True)


if __name__ == "__main__":
    main()
