#!/usr/bin/env bash
# Runs the JMH benchmarks (minutes, not part of the tests), then the PyTorch reference when
# torch is installed. Usage: benchmarks/run.sh [JMH options, e.g. -p model=ResNet50 -p batch=1]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
(cd "$here/.." && mvn -q install -DskipTests -pl benchmarks -am)
java -cp "$here/target/netspec-benchmarks-0.1.0-SNAPSHOT.jar:$here/target/lib/*" org.openjdk.jmh.Main \
    -t 1 -rf json -rff "$here/target/jmh-inference.json" "$@" InferenceBenchmark
python3 "$here/torch_resnet.py" || true
