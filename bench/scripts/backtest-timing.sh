#!/usr/bin/env bash
# Times `streamlearn backtest` on Beijing (420,768 rows) with two jars, alternated in the same run, one
# fresh JVM per run: wall and CPU (user + sys) from /usr/bin/time, and the load average at the start.
# Usage, from the repository root (build the new jar with ./mvnw -B -q -DskipTests package -pl streams -am):
#   bench/scripts/backtest-timing.sh OLD.jar NEW.jar [ROUNDS]
set -euo pipefail
old="$1"; new="$2"; rounds="${3:-3}"
input=datasets/beijing_air_quality.csv.gz
runs=("--model sgd" "--model kalman" "--model kalman --model sgd --partitions 4")
printf '| round | run | jar | wall | CPU (user + sys) | load at start |\n|---|---|---|---|---|---|\n'
for ((round = 1; round <= rounds; round++)); do
  for args in "${runs[@]}"; do
    for which in old new; do
      jar=$old; [[ $which == new ]] && jar=$new
      load=$(cut -d' ' -f1 /proc/loadavg)
      t=$( { /usr/bin/time -f '%e %U %S' java -jar "$jar" backtest --input "$input" $args > /dev/null; } 2>&1 | tail -1)
      read -r wall user sys <<<"$t"
      cpu=$(echo "$user + $sys" | bc)
      printf '| %d | `%s` | %s | %s s | %s s | %s |\n' "$round" "$args" "$which" "$wall" "$cpu" "$load"
    done
  done
done
