#!/usr/bin/env bash
# Build a test kernel variant (debug or release) from tinyconfig plus the
# committed fragments, or reuse the cached one. Prints its build directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: kernel.sh debug|release}
[ -f "$DEVNSFS_TOP/scripts/kconfig/$variant.config" ] || die "unknown kernel variant '$variant'"
ksrc=$(ksrc_dir)
out=$(kbuild_dir "$variant")
frags=("$DEVNSFS_TOP/scripts/kconfig/guest.config" "$DEVNSFS_TOP/selftests/config"
       "$DEVNSFS_TOP/scripts/kconfig/$variant.config")

if [ -f "$out/.devnsfs-built" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
if [ -f "$out/.devnsfs-built" ]; then
	echo "$out"
	exit 0
fi

log "building the $variant kernel in $out (log: $out/build.log)"
kmake() { make -C "$ksrc" O="$out" "${KMAKE_FLAGS[@]}" "$@"; }
{
	kmake tinyconfig
	"$ksrc/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}"
	kmake olddefconfig
} >"$out/config.log" 2>&1 || die "configuring failed, see $out/config.log"

# Kconfig drops what it cannot satisfy without a word: check every request.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" || { log "not in .config: $line"; bad=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		if grep -q "^$opt=" "$out/.config"; then log "still set: $opt"; bad=1; fi ;;
	esac
done < <(cat "${frags[@]}")
[ $bad = 0 ] || die "the $variant config lost requested options (see $out/config.log)"

# Every line of build.log starts with the seconds since the build began, so
# scripts/kbuild-times.sh can tell where the time goes.
start=$SECONDS
kmake -j"$(nproc)" all 2>&1 |
	perl -MTime::HiRes=time -ne 'BEGIN { $|=1; $t0 = time } printf "%8.2f %s", time - $t0, $_' \
	>"$out/build.log" || {
	tail -n 30 "$out/build.log" >&2
	die "kernel build failed, see $out/build.log"
}
log "built the $variant kernel in $((SECONDS - start)) s"
echo "$((SECONDS - start))" >"$out/build-seconds"
touch "$out/.devnsfs-built"
echo "$out"
