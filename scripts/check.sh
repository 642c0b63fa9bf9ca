#!/usr/bin/env bash
# make check: build what is missing, run devnsctl's unit tests on the host,
# every selftest in a guest booted on the debug kernel (or $KDIR) and the
# DKMS build, and print the verdict.
#
# make stress runs this too, with DEVNSFS_STRESS=1 (the soak loops at full
# counts) and its own run directory, tests and time limits.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start=$SECONDS
"$DEVNSFS_TOP/scripts/deps.sh"
kdir=${KDIR:-$("$DEVNSFS_TOP/scripts/kernel.sh" debug)}
log "module against $kdir"
"$DEVNSFS_TOP/scripts/module.sh" "$kdir" modules >/dev/null
"$DEVNSFS_TOP/scripts/selftests.sh"
# devnsctl_test runs this binary in the guest.
log "devnsctl"
"$DEVNSFS_TOP/scripts/devnsctl.sh" build

out=${DEVNSFS_RUN_DIR:-$DEVNSFS_CACHE/runs/check}
rm -rf "$out"
mkdir -p "$out"
# devnsctl's unit tests run here, on the host; their TAP joins the
# guest's in $out, and so the verdict.
"$DEVNSFS_TOP/scripts/devnsctl.sh" test "$out"
log "booting the guest; results and logs in $out"
rc=0
guest_start=$SECONDS
# A cached run takes minutes: a program still going after 10 is hung, and
# so is a guest after 30.
DEVNSFS_GUEST_TIMEOUT=${DEVNSFS_GUEST_TIMEOUT:-1800} \
DEVNSFS_PROG_TIMEOUT=${DEVNSFS_PROG_TIMEOUT:-600} \
DEVNSFS_APPEND="loglevel=7 slub_debug=FZPU" \
	"$DEVNSFS_TOP/scripts/guest.sh" "$kdir" "$out" "$DEVNSFS_TOP/scripts/guest/check.sh" || rc=$?
echo "$((SECONDS - guest_start))" >"$out/guest.seconds"
log "guest finished after $((SECONDS - start)) s in all"
# The DKMS packaging (dkms.conf), built through Debian's dkms against the
# same kernel in dkms's own trees, after the guest so that the two do not
# share the cores; one case in the verdict (not under make stress).
if [ -z "${DEVNSFS_STRESS:-}" ]; then
	log "dkms-check (log: $out/dkms.log)"
	if KDIR=$kdir "$DEVNSFS_TOP/scripts/dkms-check.sh" >"$out/dkms.log" 2>&1; then
		printf 'TAP version 13\n1..1\nok 1 dkms.add_build_install_remove\n' >"$out/dkms.tap"
	else
		tail -n 20 "$out/dkms.log" >&2
		printf 'TAP version 13\n1..1\nnot ok 1 dkms.add_build_install_remove\n' >"$out/dkms.tap"
	fi
fi
exec "$DEVNSFS_TOP/scripts/summarize.sh" "$out" "$rc"
