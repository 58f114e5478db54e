#!/usr/bin/env bash
# gomon's prober side by side with wrk, against the same local target.
#
# Starts `gomon-load target` on 127.0.0.1, then for each connection mode (a
# fresh connection per request, then keep-alive) runs wrk and `gomon-load
# probe` one after the other with the same concurrency, ROUNDS times, and
# prints both rates and the ratio gomon/wrk. Everything runs on this machine:
# the target, wrk and gomon share its cores.
#
# Environment: CONCURRENCY (64), DURATION seconds per run (10), ROUNDS (3),
# PORT (18181), WRK_THREADS (2), CARGO_TARGET_DIR (target).
# Bounded: every run has a duration and a timeout; the target stops by itself
# after a deadline and is killed (by its PID) when the script exits.
set -euo pipefail
cd "$(dirname "$0")/.."

CONCURRENCY=${CONCURRENCY:-64}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18181}
WRK_THREADS=${WRK_THREADS:-2}
TARGET_DIR=${CARGO_TARGET_DIR:-target}

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is not installed. On Debian or Ubuntu: sudo apt-get install wrk" >&2
  exit 2
fi

cargo build --release --quiet -p gomon-benches --bin gomon-load
BIN="$TARGET_DIR/release/gomon-load"

# Upper bound of the whole comparison, plus slack: the target exits by itself then.
LIMIT=$(( 2 * ROUNDS * 2 * (DURATION + 15) + 60 ))
"$BIN" target --bind "127.0.0.1:$PORT" --duration "${LIMIT}s" >/dev/null &
TARGET_PID=$!
cleanup() {
  kill "$TARGET_PID" 2>/dev/null || true
  wait "$TARGET_PID" 2>/dev/null || true
}
trap cleanup EXIT

# Wait (at most 10 s) until the target accepts connections.
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  sleep 0.1
done
URL="http://127.0.0.1:$PORT/ok"

echo "machine: $(nproc) cores, $(uname -r); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "target, wrk ($WRK_THREADS threads) and gomon-load share these cores"
echo "concurrency $CONCURRENCY, ${DURATION}s per run, $ROUNDS rounds, $URL"
echo

run_wrk() { # $@: extra wrk arguments
  timeout $((DURATION + 30)) wrk -t"$WRK_THREADS" -c"$CONCURRENCY" -d"${DURATION}s" --timeout 5s "$@" "$URL" |
    awk '/^Requests\/sec:/ { printf "%.0f", $2 }'
}

run_gomon() { # $@: extra gomon-load probe arguments
  timeout $((DURATION + 30)) "$BIN" probe --url "$URL" --concurrency "$CONCURRENCY" \
    --duration "${DURATION}s" "$@" | awk '/^probes_per_s:/ { print $2 }'
}

printf '%-11s %5s %12s %12s %8s\n' mode round "wrk req/s" "gomon req/s" ratio
for mode in fresh keep-alive; do
  if [ "$mode" = fresh ]; then
    wrk_args=(-H 'Connection: close')
    gomon_args=()
  else
    wrk_args=()
    gomon_args=(--keep-alive)
  fi
  wrk_sum=0
  gomon_sum=0
  for round in $(seq "$ROUNDS"); do
    w=$(run_wrk "${wrk_args[@]}")
    g=$(run_gomon "${gomon_args[@]}")
    wrk_sum=$((wrk_sum + w))
    gomon_sum=$((gomon_sum + g))
    printf '%-11s %5s %12s %12s %8s\n' "$mode" "$round" "$w" "$g" \
      "$(awk -v g="$g" -v w="$w" 'BEGIN { printf "%.2f", g / w }')"
  done
  printf '%-11s %5s %12s %12s %8s\n' "$mode" mean $((wrk_sum / ROUNDS)) $((gomon_sum / ROUNDS)) \
    "$(awk -v g="$gomon_sum" -v w="$wrk_sum" 'BEGIN { printf "%.2f", g / w }')"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
