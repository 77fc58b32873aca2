#!/usr/bin/env bash
# The suite (browser tests aside) at fixed instants, each under a machine time zone, under libfaketime.
# Usage: scripts/test-clock.sh PYTEST LIBFAKETIME JOBS RUN...   where RUN is INSTANT@ZONE, e.g.
# 2026-12-01T19:30:00@UTC (the instant is UTC). Runs JOBS at a time (each has its own SQLite test
# database), prints each run's instant and zone and its result, and fails if any run fails.
set -uo pipefail
pytest=$1 libfaketime=$2 jobs=$3
shift 3
logs=$(mktemp -d)
one_run() {
  local n=$1 run=$2 instant=${2%@*} zone=${2#*@}
  TZ=$zone LD_PRELOAD=$libfaketime FAKETIME="@${instant/T/ }" FAKETIME_DONT_RESET=1 \
    "$pytest" -p no:cacheprovider -q -m "not browser" >"$logs/$n.log" 2>&1
  echo $? >"$logs/$n.rc"
}
n=0
for run in "$@"; do
  n=$((n + 1))
  one_run "$n" "$run" &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait
failed=0 n=0
for run in "$@"; do
  n=$((n + 1))
  rc=$(cat "$logs/$n.rc")
  echo "== test-clock: ${run%@*} UTC, machine zone ${run#*@}: $([ "$rc" = 0 ] && echo passed || echo FAILED)"
  if [ "$rc" = 0 ]; then tail -n 1 "$logs/$n.log"; else grep -E '^(FAILED|ERROR)|^E ' "$logs/$n.log" | head -n 60; tail -n 1 "$logs/$n.log"; failed=1; fi
done
rm -rf "$logs"
exit $failed
