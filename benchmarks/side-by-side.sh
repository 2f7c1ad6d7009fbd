#!/usr/bin/env bash
# NetSpec beside PyTorch 2 and ONNX Runtime on this machine, in one run: the engines alternate
# for ROUNDS rounds (default 3) and each figure is the best median over the rounds. Prints a
# Markdown table (medians in ms, peak resident MB, and NetSpec's ratio) with the CPU, the ISA
# oneDNN reports and the date. PyTorch and ONNX Runtime come from /tmp/venv-torch2
# (tools/venv-torch2.sh); without it only NetSpec runs.
#   benchmarks/side-by-side.sh [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
rounds="${1:-3}"
python="${TORCH2_PYTHON:-/tmp/venv-torch2/bin/python}"
[[ -x "$python" ]] || { echo "side-by-side: no $python (tools/venv-torch2.sh): NetSpec only" >&2; python=""; }
out="$(mktemp -d)/results.jsonl"
r50=(--spec models/src/main/net/resnet.net --model ResNet50)
r20=(--spec models/src/main/net/cifar_resnet.net --model ResNet20 --input 1x28x28 --classes 10)
# name | NetSpec arguments | reference mode and batch
# Warm-ups of 3-6 s, the same for every engine: on 2 cores the JVM's JIT compiler thread competes
# with the measured passes for its first seconds (ResNet-50 batch 1 after 5 warm-up passes: medians
# 73-80 ms, p90 92-99 ms; after 60: 61.6 ms, p90 69 ms; measured 2026-12-03).
configs=(
  "eval b1|${r50[*]} --batch 1 --iterations 30 --warmup 60|r50-eval 1 30 60|r50-ort 1 30 60"
  "eval b8|${r50[*]} --batch 8 --iterations 10 --warmup 8|r50-eval 8 10 8|r50-ort 8 10 8"
  "train ResNet-50 b8|${r50[*]} --train --batch 8 --iterations 6 --warmup 3|r50-train 8 6 3"
  "train ResNet-20 b128|${r20[*]} --train --batch 128 --iterations 20 --warmup 15|r20-train 128 20 15"
)
for ((round = 1; round <= rounds; round++)); do
  for config in "${configs[@]}"; do
    IFS='|' read -r name args refs <<<"$config"
    IFS='|' read -ra references <<<"${config#*|*|}"
    echo "round $round: $name" >&2
    ./netspec bench $args --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); d["engine"]="netspec"; d["config"]=sys.argv[1]; print(json.dumps(d))' "$name" >>"$out"
    [[ -n "$python" ]] || continue
    for ref in "${references[@]}"; do
      read -r mode batch iterations warmup <<<"$ref"
      "$python" benchmarks/torch2_reference.py "$mode" --batch "$batch" --iterations "$iterations" --warmup "$warmup" 2>/dev/null \
        | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["config"]=sys.argv[1]; print(json.dumps(d))' "$name" >>"$out"
    done
  done
done
isa=$(ONEDNN_VERBOSE=1 ./netspec bench "${r20[@]}" --batch 1 --iterations 1 --warmup 0 2>&1 | grep -o 'isa:[^,]*' | head -1 || true)
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
python3 - "$out" "$rounds" "$cpu" "${isa#isa:}" "$(nproc)" <<'PY'
import json, sys, datetime, collections
path, rounds, cpu, isa, cores = sys.argv[1:]
best = collections.defaultdict(dict)
for line in open(path):
    d = json.loads(line)
    engine = "NetSpec" if d["engine"] == "netspec" else d["engine"].split()[0].replace("onnxruntime", "ONNX Runtime").replace("torch", "PyTorch") + " " + d["engine"].split()[1]
    b = best[d["config"]].get(engine)
    if b is None or d["median_ms"] < b["median_ms"]:
        best[d["config"]][engine] = d
print(f"{datetime.date.today()}, {cpu} ({cores} cores, oneDNN ISA {isa}), float32, 2 threads; best median of {rounds} alternated rounds")
print()
print("| | " + " | ".join(best) + " |")
print("|---" * (len(best) + 1) + "|")
engines = sorted({e for c in best.values() for e in c}, key=lambda e: (e != "NetSpec", e))
for e in engines:
    cells = []
    for c in best.values():
        d = c.get(e)
        cells.append("–" if d is None else f"{d['median_ms']:,.1f} ms, {d.get('peak_rss_mb', 0):,} MB")
    print(f"| {e} | " + " | ".join(cells) + " |")
for e in engines:
    if e == "NetSpec":
        continue
    cells = []
    for c in best.values():
        cells.append("–" if e not in c or "NetSpec" not in c else f"{c[e]['median_ms'] / c['NetSpec']['median_ms']:.2f}x")
    print(f"| NetSpec's speed-up over {e} | " + " | ".join(cells) + " |")
PY
