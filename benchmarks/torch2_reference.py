#!/usr/bin/env python3
"""The engines a NetSpec user would pick instead, on NetSpec's benchmark networks: PyTorch 2 and
ONNX Runtime (on PyTorch's own export), float32, 2 threads.

Usage: torch2_reference.py MODE [--batch B] [--iterations N] [--warmup W]
  MODE: r50-eval | r50-ort | r50-train | r20-train
Prints one JSON object: median_ms, min_ms, max_ms, peak_rss_mb. A training step is forward,
cross-entropy, backward and SGD (Nesterov momentum 0.9), as `netspec bench --train` times it.
The networks are defined here (torchvision's ResNet-50 v1.5 and the CIFAR ResNet-20 of He et al.
on 1x28x28 inputs, as NetSpec's specs declare them), so no torchvision is needed. Exits 0 with a
message when PyTorch is missing (tools/venv-torch2.sh makes a venv with it).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("torch2_reference.py: skipped: PyTorch not installed (tools/venv-torch2.sh)", file=sys.stderr)
    sys.exit(0)


def conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


class Bottleneck(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        self.a = conv_bn(cin, width, 1, 1)
        self.b = conv_bn(width, width, 3, stride)  # v1.5: the stride on the 3x3
        self.c = conv_bn(width, width * 4, 1, 1)
        self.down = conv_bn(cin, width * 4, 1, stride) if stride != 1 or cin != width * 4 else None

    def forward(self, x):
        y = self.c(F.relu(self.b(F.relu(self.a(x)))))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, 3, stride)
        self.b = conv_bn(cout, cout, 3, 1)
        self.down = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.b(F.relu(self.a(x)))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class ResNet50(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], 64
        for i, n in enumerate([3, 4, 6, 3]):
            for j in range(n):
                blocks.append(Bottleneck(cin, 64 * 2 ** i, 2 if i > 0 and j == 0 else 1))
                cin = 64 * 2 ** i * 4
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, 1000)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1), 1))


class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16, 3, 1)
        blocks, cin = [], 16
        for i in range(3):
            for j in range(3):
                blocks.append(Basic(cin, 16 * 2 ** i, 2 if i > 0 and j == 0 else 1))
                cin = 16 * 2 ** i
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.blocks(F.relu(self.stem(x))), 1), 1))


def timed(step, iterations, warmup):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["r50-eval", "r50-ort", "r50-train", "r20-train"])
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    cl = torch.channels_last
    if a.mode == "r20-train":
        model, x = ResNet20(), torch.randn(a.batch, 1, 28, 28)
    else:
        model, x = ResNet50(), torch.randn(a.batch, 3, 224, 224)
    if a.mode == "r50-ort":
        import onnxruntime as ort
        model.eval()
        path = os.path.join(tempfile.mkdtemp(), "resnet50.onnx")
        torch.onnx.export(model, x, path, input_names=["x"], output_names=["y"], opset_version=17, dynamo=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = 2, 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        xn = x.numpy()
        times = timed(lambda: session.run(None, {"x": xn}), a.iterations, a.warmup)
        engine = "onnxruntime " + ort.__version__
    elif a.mode == "r50-eval":
        model = model.eval().to(memory_format=cl)
        x = x.to(memory_format=cl)
        with torch.no_grad():
            times = timed(lambda: model(x), a.iterations, a.warmup)
        engine = "torch " + torch.__version__
    else:
        model = model.train().to(memory_format=cl)
        x = x.to(memory_format=cl)
        labels = torch.randint(0, 10, (a.batch,))
        sgd = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)

        def step():
            sgd.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), labels).backward()
            sgd.step()
        times = timed(step, a.iterations, a.warmup)
        engine = "torch " + torch.__version__
    print(json.dumps({"engine": engine, "mode": a.mode, "batch": a.batch, "median_ms": round(statistics.median(times), 2),
                      "min_ms": round(min(times), 2), "max_ms": round(max(times), 2),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))


if __name__ == "__main__":
    main()
