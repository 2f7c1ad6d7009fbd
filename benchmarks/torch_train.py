#!/usr/bin/env python3
"""PyTorch training reference for NetSpec's training figures.

`step`: time of one training step (train-mode forward, cross-entropy, backward, SGD Nesterov
momentum 0.9 with weight decay 5e-4) on random data, float32, channels-last, after warm-up:
median and p90 ms, images/s and the process's peak resident memory. Configurations: the CIFAR
ResNet-20 of models/src/main/net/cifar_resnet.net on batch 128 of 1x28x28 (10 classes) and
torchvision's ResNet-50 on batch 8 of 3x224x224 (1000 classes).

`epoch`: ResNet-20 trained on Fashion-MNIST (IDX files of Debian's dataset-fashion-mnist), batch
128, the same SGD, linear warm-up then cosine decay to 0 from a peak lr of 0.1, random horizontal
flips, inputs normalised with mean 0.2860 / std 0.3530; seconds, images/s, train loss and test
top-1 per epoch. As in NetSpec, weight decay applies to weights of rank > 1 only (not to batch
norm or biases) and the last, partial batch of an epoch is trained on.

Prints one JSON object per configuration to stdout, progress to stderr. Exits 0 with a message
when PyTorch is not installed (Debian: apt-get install python3-torch python3-torchvision).
"""
import argparse
import gzip
import json
import math
import resource
import statistics
import sys
import time

try:
    import numpy as np
    import torch
    import torchvision
    from torch import nn
except ImportError:
    print("torch_train.py: skipped: PyTorch/torchvision not installed "
          "(Debian: apt-get install python3-torch python3-torchvision)", file=sys.stderr)
    sys.exit(0)

DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


class BasicBlock(nn.Module):
    """resnet.net's BasicBlock: two 3x3 convs with batch norm; 1x1 conv + BN shortcut when the shape changes."""

    def __init__(self, channels, filters, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, filters, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(filters)
        self.conv2 = nn.Conv2d(filters, filters, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(filters)
        self.downsample = None
        if stride != 1 or channels != filters:  # option B: projection shortcut
            self.downsample = nn.Sequential(nn.Conv2d(channels, filters, 1, stride, bias=False), nn.BatchNorm2d(filters))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


class CifarResNet(nn.Module):
    """cifar_resnet.net's CifarResNet: 3x3 stem, 3 stages of n blocks (filters, 2x, 4x), global mean, dense."""

    def __init__(self, n=3, channels=1, filters=16, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, filters, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(filters)
        channels = filters
        for i in range(3):
            blocks = []
            for j in range(n):
                blocks.append(BasicBlock(channels, filters * 2 ** i, 2 if i > 0 and j == 0 else 1))
                channels = filters * 2 ** i
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(channels, classes)
        for m in self.modules():  # NetSpec's (and torchvision's) initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean((2, 3)))


def sgd(model, lr):
    decay = [p for p in model.parameters() if p.dim() > 1]
    rest = [p for p in model.parameters() if p.dim() <= 1]
    return torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": rest, "weight_decay": 0}],
                           lr=lr, momentum=0.9, nesterov=True)


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def params(model):
    return sum(p.numel() for p in model.parameters())


def step_bench(name, warmup, iterations):
    if name == "resnet20":
        model, batch, shape, classes = CifarResNet(), 128, (1, 28, 28), 10
    else:
        model, batch, shape, classes = getattr(torchvision.models, name)(weights=None), 8, (3, 224, 224), 1000
    model = model.train().to(memory_format=torch.channels_last)
    x = torch.rand(batch, *shape).to(memory_format=torch.channels_last)
    y = torch.randint(classes, (batch,))
    optimizer, loss_fn = sgd(model, 0.01), nn.CrossEntropyLoss()
    times = []
    for i in range(warmup + iterations):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        optimizer.step()
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    median = statistics.median(times)
    return {"engine": f"PyTorch {torch.__version__} (channels-last)", "mode": "step", "model": name, "params": params(model),
            "batch": batch, "input": "x".join(map(str, shape)), "threads": torch.get_num_threads(),
            "median_ms": round(median, 2), "p90_ms": round(times[min(len(times) - 1, int(len(times) * 0.9))], 2),
            "images_per_s": round(batch * 1000 / median, 2), "peak_rss_mb": peak_rss_mb()}


def idx(name, offset):
    with gzip.open(f"{DATA}/{name}-ubyte.gz", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load(prefix, limit=None):
    images = torch.from_numpy(idx(f"{prefix}-images-idx3", 16).reshape(-1, 1, 28, 28)[:limit].astype(np.float32))
    labels = torch.from_numpy(idx(f"{prefix}-labels-idx1", 8)[:limit].astype(np.int64))
    return ((images / 255 - MEAN) / STD).contiguous(memory_format=torch.channels_last), labels


def evaluate(model, images, labels):
    model.eval()
    with torch.no_grad():
        correct = sum((model(images[i:i + 1000]).argmax(1) == labels[i:i + 1000]).sum().item()
                      for i in range(0, len(labels), 1000))
    return correct / len(labels)


def epoch_run(epochs, batch, lr, warmup, limit, seed):
    torch.manual_seed(seed)
    train_x, train_y = load("train", limit)
    test_x, test_y = load("t10k")
    model = CifarResNet().to(memory_format=torch.channels_last)
    optimizer, loss_fn = sgd(model, lr), nn.CrossEntropyLoss()
    steps = math.ceil(len(train_y) / batch)
    total, warm = steps * epochs, max(1, round(warmup * steps * epochs))
    schedule = lambda s: lr * (s + 1) / warm if s < warm else \
        0.5 * lr * (1 + math.cos(math.pi * min(1, (s - warm) / max(1, total - warm))))
    print(f"ResNet-20 ({params(model):,} parameters): {len(train_y):,} training, {len(test_y):,} test images, "
          f"{steps} steps/epoch, warm-up {warm} steps", file=sys.stderr)
    results, begin = [], time.perf_counter()
    for epoch in range(epochs):
        model.train()
        start, seen, loss_sum = time.perf_counter(), 0, 0.0
        order = torch.randperm(len(train_y))
        for s in range(steps):
            index = order[s * batch:(s + 1) * batch]
            x, y = train_x[index], train_y[index]
            flip = torch.rand(len(y)) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x).contiguous(memory_format=torch.channels_last)
            for group in optimizer.param_groups:
                group["lr"] = schedule(epoch * steps + s)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            seen, loss_sum = seen + len(y), loss_sum + loss.item() * len(y)
            if (s + 1) % 50 == 0 or s + 1 == steps:
                print(f"epoch {epoch + 1} step {s + 1}/{steps} loss {loss_sum / seen:.4f} "
                      f"{seen / (time.perf_counter() - start):.1f} images/s", file=sys.stderr)
        seconds, test_start = time.perf_counter() - start, time.perf_counter()
        top1 = evaluate(model, test_x, test_y)
        test_seconds = time.perf_counter() - test_start
        print(f"epoch {epoch + 1}: {seconds:.1f} s training, {test_seconds:.1f} s test, top-1 {top1:.4f}",
              file=sys.stderr)
        results.append({"epoch": epoch + 1, "seconds": round(seconds, 1), "images_per_s": round(seen / seconds, 1),
                        "train_loss": round(loss_sum / seen, 6), "test_top1": round(top1, 4),
                        "test_seconds": round(test_seconds, 1)})
    minutes = (time.perf_counter() - begin) / 60
    return {"engine": f"PyTorch {torch.__version__} (channels-last)", "mode": "epoch", "model": "resnet20", "params": params(model),
            "train_images": len(train_y), "test_images": len(test_y), "batch": batch, "peak_lr": lr,
            "threads": torch.get_num_threads(), "epochs": results, "total_minutes": round(minutes, 2),
            "minutes_per_epoch": round(minutes / epochs, 2), "peak_rss_mb": peak_rss_mb()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    modes = parser.add_subparsers(dest="mode", required=True)
    step = modes.add_parser("step", help="time one training step")
    step.add_argument("--warmup", type=int, default=5)
    step.add_argument("--iterations", type=int, default=20)
    step.add_argument("--models", default="resnet20,resnet50", help="resnet20 or torchvision model names; "
                      "peak RSS is the process's, so list small models first or run one per process")
    epoch = modes.add_parser("epoch", help="train ResNet-20 on Fashion-MNIST")
    epoch.add_argument("--epochs", type=int, default=1)
    epoch.add_argument("--batch", type=int, default=128)
    epoch.add_argument("--lr", type=float, default=0.1, help="peak learning rate")
    epoch.add_argument("--warmup", type=float, default=0.02, help="warm-up as a fraction of all steps")
    epoch.add_argument("--limit", type=int, help="train on the first N training images only")
    epoch.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.mode == "step":
        for name in args.models.split(","):
            print(json.dumps(step_bench(name, args.warmup, args.iterations)), flush=True)
    else:
        print(json.dumps(epoch_run(args.epochs, args.batch, args.lr, args.warmup, args.limit, args.seed)), flush=True)


if __name__ == "__main__":
    main()
