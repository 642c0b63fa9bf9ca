#!/usr/bin/env bash
# make dkms-check (make check's case dkms.add_build_install_remove): the
# DKMS packaging, through Debian's dkms, against the debug test kernel (or
# $KDIR): dkms add, build, checks of the module it built, install and
# remove (which uninstalls).
#
# dkms works in trees of its own under $DEVNSFS_CACHE/dkms (--sourcetree,
# --dkmstree, --installtree; --no-depmod, signing off), so the host's
# /usr/src, /var/lib/dkms and /lib/modules stay untouched, and so does this
# checkout: dkms builds a copy of its tracked and unignored files, never
# the tree's own build products, which make check uses. Every run starts
# from nothing and leaves nothing (DEVNSFS_DKMS_KEEP=1 keeps the trees).
# dkms insists on root for add from a directory and for install; without
# root the sources are put in place by hand and install is skipped.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# dkms and modinfo live in sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
start=$SECONDS
"$DEVNSFS_TOP/scripts/deps.sh"
command -v dkms >/dev/null || die "dkms is missing (Debian package dkms)"
kdir=${KDIR:-$("$DEVNSFS_TOP/scripts/kernel.sh" debug)}
krel=$(make -s -C "$kdir" "${KMAKE_FLAGS[@]}" kernelrelease)
ver=$(cat "$DEVNSFS_TOP/VERSION")
arch=$(uname -m)

work=$DEVNSFS_CACHE/dkms
mkdir -p "$DEVNSFS_CACHE"
exec 9>"$DEVNSFS_CACHE/dkms.lock"
flock 9
rm -rf "$work"
cleanup() {
	[ -n "${DEVNSFS_DKMS_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/src" "$work/dkms" "$work/modules/$krel" "$work/stage"

# What the host has of devnsfs in dkms's default trees, before and after:
# the run must not change it.
host_state() {
	ls -d /usr/src/devnsfs-* /var/lib/dkms/devnsfs "/lib/modules/$krel" 2>/dev/null || true
	ls -A /var/lib/dkms 2>/dev/null || true
}
host_before=$(host_state)

PACKAGE=devnsfs
trees=(--sourcetree "$work/src" --dkmstree "$work/dkms" --installtree "$work/modules")
mvk=(-m "$PACKAGE" -v "$ver" -k "$krel")
# The kernel's make gets its toolchain from dkms.conf's defaults, as a
# user's would. Signing would make (or use) the host's key in
# /var/lib/dkms, and the test kernels check no signatures: it is off.
# dkms's output is in $work/dkms.out too.
dkms_run() {
	local rc=0
	echo "\$ dkms $*"
	env sign_file="$work/no-signing" \
		mok_signing_key="$work/no-key" mok_certificate="$work/no-cert" \
		dkms "$@" "${trees[@]}" >"$work/dkms.out" 2>&1 || rc=$?
	sed 's/^/  /' "$work/dkms.out"
	return $rc
}
fail() {
	echo "dkms-check: FAIL: $*" >&2
	exit 1
}

# The sources dkms gets, as in a fresh clone: tracked and unignored files
# (without git: everything; dkms.conf's CLEAN removes build products).
if git -C "$DEVNSFS_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$DEVNSFS_TOP" ls-files -z --cached --others --exclude-standard |
		(cd "$DEVNSFS_TOP" && while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"; done) |
		tar -C "$DEVNSFS_TOP" --null -T - -cf - | tar -C "$work/stage" -xf -
else
	cp -a "$DEVNSFS_TOP/." "$work/stage/"
fi

root=
[ "$(id -u)" = 0 ] && root=1
if [ -n "$root" ]; then
	# What a user types in the checkout: dkms copies it into its source tree.
	(cd "$work/stage" && dkms_run add .) || fail "dkms add"
else
	cp -a "$work/stage" "$work/src/$PACKAGE-$ver"
	dkms_run add -m "$PACKAGE" -v "$ver" || fail "dkms add"
fi
[ -f "$work/src/$PACKAGE-$ver/dkms.conf" ] || fail "dkms add put no source in $work/src"

build_start=$SECONDS
dkms_run build "${mvk[@]}" --kernelsourcedir "$kdir" || {
	tail -n 40 "$work/dkms/$PACKAGE/$ver/build/make.log" 2>/dev/null
	fail "dkms build"
}
build_seconds=$((SECONDS - build_start))
cp "$work/dkms.out" "$work/build.out"

ko=$work/dkms/$PACKAGE/$ver/$krel/$arch/module/$PACKAGE.ko
[ -f "$ko" ] || fail "dkms build left no $ko"
# The module is the one for this kernel and this version.
expect() {
	local field=$1 want=$2 got
	got=$(modinfo -F "$field" "$ko")
	echo "  modinfo $field: $got"
	[ "$got" = "$want" ] || fail "modinfo $field is '$got', not '$want'"
}
echo "\$ modinfo $ko"
expect name "$PACKAGE"
expect version "$ver"
expect license GPL
want_vermagic=$(grep -o '"[^"]*"' "$kdir/include/generated/utsrelease.h" | tr -d '"')
vermagic=$(modinfo -F vermagic "$ko")
echo "  modinfo vermagic: $vermagic"
[ "${vermagic%% *}" = "$want_vermagic" ] && [ "$want_vermagic" = "$krel" ] ||
	fail "vermagic '$vermagic' is not for kernel $krel"
# Kbuild's own generated bindings were built in dkms's build directory.
grep -q 'BINDGEN' "$work/dkms/$PACKAGE/$ver/$krel/$arch/log/make.log" ||
	fail "make.log shows no BINDGEN step"
# ... with the toolchain of scripts/lib.sh, the cache's bindgen included.
grep -qF "BINDGEN=$BINDGEN_BIN" "$work/build.out" || fail "the build did not use $BINDGEN_BIN"
dkms_run status -m "$PACKAGE" -v "$ver"
grep -q ": built" "$work/dkms.out" || fail "dkms status is not 'built'"

if [ -n "$root" ]; then
	dkms_run install "${mvk[@]}" --no-depmod || fail "dkms install"
	installed=$work/modules/$krel/updates/dkms/$PACKAGE.ko
	[ -f "$installed" ] || fail "dkms install left no $installed"
	cmp -s "$installed" "$ko" || fail "the installed module is not the built one"
	dkms_run status -m "$PACKAGE" -v "$ver"
	grep -q ": installed" "$work/dkms.out" || fail "dkms status is not 'installed'"
else
	echo "# dkms install skipped: dkms requires root for it"
fi

dkms_run remove "${mvk[@]}" --no-depmod || fail "dkms remove"
[ ! -e "$work/dkms/$PACKAGE" ] || fail "dkms remove left $work/dkms/$PACKAGE"
[ ! -e "$work/modules/$krel/updates/dkms/$PACKAGE.ko" ] || fail "dkms remove left the installed module"

[ "$(host_state)" = "$host_before" ] || fail "the host's dkms, /usr/src or /lib/modules changed"
log "dkms: add, build ($build_seconds s), ${root:+install, }remove of $PACKAGE $ver for $krel passed in $((SECONDS - start)) s"
