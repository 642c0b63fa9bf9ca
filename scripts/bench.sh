#!/usr/bin/env bash
# make bench: boot the release kernel (binderfs and loop built in) and run
# every benchmark case in one guest session; print the table and write it
# as JSON to $BENCH_JSON (default: the run directory's bench.json).
#
# BENCH_REPS (default 5) repeats each case; BENCH_CASES="146" runs a subset.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$DEVNSFS_TOP/scripts/deps.sh"
kdir=${KDIR:-$("$DEVNSFS_TOP/scripts/kernel.sh" release)}
"$DEVNSFS_TOP/scripts/module.sh" "$kdir" modules >/dev/null
make -s -C "$DEVNSFS_TOP/bench"

out=$DEVNSFS_CACHE/runs/bench
rm -rf "$out"
mkdir -p "$out"
json=${BENCH_JSON:-$out/bench.json}
log "booting the release kernel under ${DEVNSFS_ACCEL:-TCG or KVM}; console log: $out/console.log"
DEVNSFS_GUEST_TIMEOUT=${BENCH_TIMEOUT:-5400} DEVNSFS_APPEND=quiet \
	BENCH_REPS=${BENCH_REPS:-} BENCH_CASES=${BENCH_CASES:-} \
	"$DEVNSFS_TOP/scripts/guest.sh" "$kdir" "$out" "$DEVNSFS_TOP/scripts/guest/bench.sh"
[ -s "$out/bench.txt" ] || die "the guest wrote no results (see $out/console.log)"
cat "$out/bench.txt"
grep -q '^]}' "$out/bench.json" || die "the benchmark did not finish (see $out/console.log)"
[ "$json" = "$out/bench.json" ] || cp "$out/bench.json" "$json"
log "JSON: $json"
