#!/usr/bin/env python3
"""Checks ONNX files written by `netspec export` with the Python side of the ecosystem.

    onnx_check.py MODEL.onnx [--input IO.safetensors --expect LOGITS.safetensors] [--tolerance 1e-4]

1. onnx.checker.check_model(full_check=True): the file is valid ONNX, shapes infer.
2. With --input/--expect: ONNX Runtime (Python) runs tensor `input` (NCHW float32) of the first
   file and must give tensor `logits` of the second within the relative tolerance, i.e. what a
   PyTorch/Python user loading NetSpec's export gets.

Needs onnx, onnxruntime, numpy and safetensors (pip); exits 0 on success, 1 on a failed check.
"""
import argparse
import sys

import numpy as np
import onnx
import onnxruntime as ort
from safetensors.numpy import load_file


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", nargs="+")
    p.add_argument("--input")
    p.add_argument("--expect")
    p.add_argument("--tolerance", type=float, default=1e-4)
    args = p.parse_args()
    ok = True
    for path in args.model:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        print(f"{path}: valid ONNX (IR {model.ir_version}, opset {model.opset_import[0].version}, "
              f"{len(model.graph.node)} nodes)")
    if args.input:
        x = load_file(args.input)["input"]
        expected = load_file(args.expect)["logits"]
        session = ort.InferenceSession(args.model[0], providers=["CPUExecutionProvider"])
        got = session.run(["logits"], {"input": x})[0]
        err = float(np.max(np.abs(got - expected)) / max(float(np.max(np.abs(expected))), 1e-12))
        print(f"{args.model[0]}: onnxruntime {ort.__version__} logits {list(got.shape)}, relative error {err:.2e}")
        ok = got.shape == expected.shape and err <= args.tolerance
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
