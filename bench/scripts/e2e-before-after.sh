#!/bin/bash
# Alternated end-to-end runs of two builds of the bench jar (bench/results/state.md, 2026-12-02).
# Usage: bench/scripts/e2e-before-after.sh OLD_CHECKOUT NEW_CHECKOUT
# Each checkout must have been built with: mvn -B -q package -pl bench -am -DskipTests
set -euo pipefail
old=${1:?old checkout}; new=${2:?new checkout}
for b in old new new old old new new old; do
  dir=$old; [ "$b" = new ] && dir=$new
  echo "=== $b $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  java -Xmx1g -cp "$dir/bench/target/benchmarks.jar" io.streamlearn.bench.e2e.EndToEndBenchmark \
    --events 200000 --keys 1000 --dimension 8 --model kalman --guarantee exactly_once_v2 \
    --warmup 100000 --topology bare,learn,bare,learn --latency-seconds 0
  echo "=== end $b $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
done
