#!/usr/bin/env bash
# Build devnsfs.ko against a kernel build tree: module.sh KDIR [kbuild args]
# A tree switch (debug <-> release) cleans first: kbuild builds in place.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=$1
shift
stamp=$DEVNSFS_TOP/.devnsfs-kdir
kmake() { make -C "$kdir" M="$DEVNSFS_TOP" "${KMAKE_FLAGS[@]}" ${CLIPPY:+CLIPPY=1} "$@"; }
if [ "$(cat "$stamp" 2>/dev/null)" != "$kdir" ]; then
	kmake clean >/dev/null
	echo "$kdir" >"$stamp"
fi
kmake "$@"
