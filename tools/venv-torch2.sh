#!/usr/bin/env bash
# Makes /tmp/venv-torch2 with PyTorch 2.13 (CPU), ONNX Runtime and onnx, which
# benchmarks/side-by-side.sh runs beside NetSpec (it skips them without it). pip installs only
# from the local wheel folders this machine's pip is configured with (its extra index folders and
# find-links), with --no-index, so that no attempt waits on an index it cannot reach; torchvision
# is not needed.
set -euo pipefail
venv="${1:-/tmp/venv-torch2}"
if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import torch, onnxruntime, onnx' 2>/dev/null; then
  exit 0
fi
sources=()
for url in $(python3 -m pip config get global.extra-index-url 2>/dev/null || true); do
  dir=${url#file://}; dir=${dir%/simple}
  [[ -d "$dir/files" ]] && sources+=(--find-links "$dir/files")
done
for dir in $(python3 -m pip config get global.find-links 2>/dev/null || true); do
  sources+=(--find-links "$dir")
done
python3 -m venv "$venv"
"$venv/bin/pip" install -q --no-index "${sources[@]}" "torch==2.13.0+cpu" onnxruntime onnx numpy safetensors
"$venv/bin/pip" uninstall -y -q torchvision >/dev/null 2>&1 || true
"$venv/bin/python" -c 'import torch, onnxruntime; print("torch", torch.__version__, "onnxruntime", onnxruntime.__version__)'
