#!/usr/bin/env bash
# The scalability envelope's goals (issue 17), each one command: loading,
# checking and building the envelope from YAML; one simulated second at
# 100,000 requests/s with and without keep-alive; the same traffic on a
# 100-node cluster (the per-request cost from 100 to 5,000 nodes); and ten
# simulated seconds at 1,000,000 requests/s. Prints wall time, CPU time and
# peak memory of each whole process (Python start-up included).
#
#   bench/scenario/envelope_bench.sh [PODWIRE_COMMAND] [GOAL...]
#   GOAL: load run-100k run-100k-new-conn per-node-count run-1m (default: all but run-1m)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
podwire="${1:-podwire}"
shift || true
goals=("$@")
[ ${#goals[@]} -gt 0 ] || goals=(load run-100k run-100k-new-conn per-node-count)
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
gen() { python3 "$here/envelope_yaml.py" "$out/$1" "${@:2}" > /dev/null; }
timed() {
  local name="$1"
  shift
  /usr/bin/time -f "$name: %e s wall, %U s user + %S s sys, peak %M KB" "$@" 2>&1 |
    grep -E "^$name:|^simulated" || true
}
for goal in "${goals[@]}"; do
  case "$goal" in
    load)
      gen full
      timed load "$podwire" validate "$out/full/envelope.yaml" ;;
    run-100k)
      gen full
      timed run-100k "$podwire" run "$out/full/envelope.yaml" --no-trace ;;
    run-100k-new-conn)
      gen full-nk --keep-alive false
      timed run-100k-new-conn "$podwire" run "$out/full-nk/envelope.yaml" --no-trace ;;
    per-node-count)
      for scale in 0.02 0.2 1; do
        for ka in true false; do
          gen "s$scale-$ka" --scale "$scale" --keep-alive "$ka"
          timed "nodes-$(python3 -c "print(round(5000*$scale))")-keep-alive-$ka" \
            "$podwire" run "$out/s$scale-$ka/envelope.yaml" --no-trace
        done
      done ;;
    run-1m)
      gen full-1m --rate 10000/s --duration 10s
      timed run-1m "$podwire" run "$out/full-1m/envelope.yaml" --no-trace ;;
    *) echo "unknown goal '$goal'" >&2; exit 2 ;;
  esac
done
