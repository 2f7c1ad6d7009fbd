#!/usr/bin/env bash
# Runs the JMH benchmarks (minutes, not part of the tests), then the PyTorch references when
# some python3 on the machine has torch and torchvision.
# Usage: benchmarks/run.sh [inference|training|all] [JMH options, e.g. -p model=ResNet50]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
suite="${1:-all}"
[[ $# -gt 0 ]] && shift
(cd "$here/.." && mvn -q install -DskipTests -pl benchmarks -am)
jmh() {
  java -cp "$here/target/netspec-benchmarks-0.1.0-SNAPSHOT.jar:$here/target/lib/*" org.openjdk.jmh.Main \
      -t 1 -rf json -rff "$here/target/jmh-$1.json" "${@:3}" "$2"
}
# The first python3 that has torch (Debian's python3-torch installs into /usr/bin/python3).
python=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import torch, torchvision' 2>/dev/null; then python="$p"; break; fi
done
if [[ "$suite" == inference || "$suite" == all ]]; then
  jmh inference InferenceBenchmark "$@"
  [[ -n "$python" ]] && "$python" "$here/torch_resnet.py" || echo "PyTorch reference skipped: no python3 with torch"
fi
if [[ "$suite" == training || "$suite" == all ]]; then
  jmh training TrainingBenchmark "$@"
  if [[ -n "$python" ]]; then
    for m in resnet20 resnet50; do "$python" "$here/torch_train.py" step --models "$m"; done  # one process each: own peak memory
  else
    echo "PyTorch reference skipped: no python3 with torch"
  fi
fi
