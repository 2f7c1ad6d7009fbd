#!/usr/bin/env bash
# Makes /tmp/venv-torch2 with PyTorch 2.13 (CPU), ONNX Runtime and onnx, which
# benchmarks/side-by-side.sh runs beside NetSpec (it skips them without it). pip installs from
# whatever indexes this machine's pip is configured with; torchvision is not needed.
set -euo pipefail
venv="${1:-/tmp/venv-torch2}"
if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import torch, onnxruntime, onnx' 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q "torch==2.13.0+cpu" onnxruntime onnx numpy
"$venv/bin/python" -c 'import torch, onnxruntime; print("torch", torch.__version__, "onnxruntime", onnxruntime.__version__)'
