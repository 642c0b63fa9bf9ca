#!/usr/bin/env bash
# make run: build what is missing and show devnsfs in a guest booted on the
# debug kernel (or $KDIR): the one `make check` uses, so a new machine
# builds a single kernel for the demo and the tests.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$DEVNSFS_TOP/scripts/deps.sh"
kdir=${KDIR:-$("$DEVNSFS_TOP/scripts/kernel.sh" debug)}
"$DEVNSFS_TOP/scripts/module.sh" "$kdir" modules >/dev/null
# The demo's container drives its instance with devnsctl.
"$DEVNSFS_TOP/scripts/devnsctl.sh" build
out=$DEVNSFS_CACHE/runs/demo
rm -rf "$out"
mkdir -p "$out"
log "booting the guest (console log: $out/console.log)"
DEVNSFS_GUEST_TIMEOUT=600 DEVNSFS_APPEND=quiet \
	"$DEVNSFS_TOP/scripts/guest.sh" "$kdir" "$out" "$DEVNSFS_TOP/scripts/guest/demo.sh" stdio
grep -q 'devnsfs-demo: done' "$out/console.log" || die "the demo did not finish"
