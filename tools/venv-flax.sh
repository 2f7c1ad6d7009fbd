#!/usr/bin/env bash
# Makes /tmp/venv-flax with jax, flax, msgpack, numpy and safetensors, which tools/flax_fixtures.py
# and FlaxParityTest's Flax round trip use (they skip without it). pip installs from whatever
# indexes this machine's pip is configured with.
set -euo pipefail
venv="${1:-/tmp/venv-flax}"
if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import jax, flax, msgpack, safetensors' 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install -q jax jaxlib flax msgpack numpy safetensors
"$venv/bin/python" -c 'import jax, flax; print("jax", jax.__version__, "flax", flax.__version__)'
