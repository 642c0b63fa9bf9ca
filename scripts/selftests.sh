#!/usr/bin/env bash
# Build the selftest programs against the kernel tree's kselftest harness.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ksrc=$(ksrc_dir)
[ -n "${KDIR:-}" ] && [ -d "$KDIR/source" ] && ksrc=$(cd "$KDIR/source" && pwd)
[ -n "${KDIR:-}" ] && [ -f "$KDIR/tools/testing/selftests/kselftest_harness.h" ] && ksrc=$KDIR
make -s -C "$DEVNSFS_TOP/selftests" KSRC="$ksrc"
