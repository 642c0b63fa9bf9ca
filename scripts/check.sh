#!/usr/bin/env bash
# make check: build what is missing, run every selftest in a guest booted on
# the debug kernel (or $KDIR), and print the verdict.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start=$SECONDS
"$DEVNSFS_TOP/scripts/deps.sh"
kdir=${KDIR:-$("$DEVNSFS_TOP/scripts/kernel.sh" debug)}
log "module against $kdir"
"$DEVNSFS_TOP/scripts/module.sh" "$kdir" modules >/dev/null
"$DEVNSFS_TOP/scripts/selftests.sh"

out=${DEVNSFS_RUN_DIR:-$DEVNSFS_CACHE/runs/check}
rm -rf "$out"
mkdir -p "$out"
log "booting the guest; results and logs in $out"
rc=0
DEVNSFS_APPEND="loglevel=7 slub_debug=FZPU" \
	"$DEVNSFS_TOP/scripts/guest.sh" "$kdir" "$out" "$DEVNSFS_TOP/scripts/guest/check.sh" || rc=$?
log "guest finished after $((SECONDS - start)) s in all"
exec "$DEVNSFS_TOP/scripts/summarize.sh" "$out" "$rc"
