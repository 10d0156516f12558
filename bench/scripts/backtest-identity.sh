#!/usr/bin/env bash
# Old jar against new jar, byte for byte: each run's --output file and printed summary (and, for
# --final-states, the states file with its random Avro sync marker zeroed) compared with cmp. Usage, from the repository root:
#   bench/scripts/backtest-identity.sh OLD.jar NEW.jar [WORKDIR]
set -euo pipefail
old="$1"; new="$2"; work="${3:-$(mktemp -d)}"
mkdir -p "$work"
runs=(
  "beijing|datasets/beijing_air_quality.csv.gz|--model sgd"
  "beijing|datasets/beijing_air_quality.csv.gz|--model kalman"
  "beijing|datasets/beijing_air_quality.csv.gz|--model kalman --model sgd --partitions 4"
  "beijing|datasets/beijing_air_quality.csv.gz|--model sgd --label-delay 3h"
  "beijing|datasets/beijing_air_quality.csv.gz|--model kalman --final-states FINAL"
  "bike|datasets/bike_sharing_hourly.csv|--model sgd"
  "bike|datasets/bike_sharing_hourly.csv|--model kalman"
  "bike|datasets/bike_sharing_hourly.csv|--model kalman --model sgd --partitions 4"
  "bike|datasets/bike_sharing_hourly.csv|--model sgd --label-delay 3h"
  "bike|datasets/bike_sharing_hourly.csv|--model kalman --model sgd --final-states FINAL"
)
fail=0
i=0
for r in "${runs[@]}"; do
  IFS='|' read -r name file args <<<"$r"
  i=$((i + 1))
  for which in old new; do
    jar=$old; [[ $which == new ]] && jar=$new
    a=${args//FINAL/$work/states.avro}
    # shellcheck disable=SC2086
    java -jar "$jar" backtest --input "$file" $a --output "$work/$i.$which.csv" > "$work/$i.$which.out" 2>&1
    if [[ -e "$work/states.avro" ]]; then
      # an Avro container file ends each block with the file's random 16-byte sync marker: zero it
      python3 -c 'import sys; b=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(b.replace(b[-16:], bytes(16)))' \
        "$work/states.avro" "$work/$i.$which.states"
      rm "$work/states.avro"
    fi
  done
  ok=identical
  cmp -s "$work/$i.old.csv" "$work/$i.new.csv" || ok="OUTPUT DIFFERS"
  cmp -s "$work/$i.old.out" "$work/$i.new.out" || ok="$ok, SUMMARY DIFFERS"
  if [[ -e "$work/$i.old.states" ]]; then
    cmp -s "$work/$i.old.states" "$work/$i.new.states" || ok="$ok, STATES DIFFER"
  fi
  [[ $ok == identical ]] || fail=1
  echo "$name $args: $(wc -l < "$work/$i.new.csv") output lines: $ok"
done
exit $fail
