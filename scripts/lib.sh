# shellcheck shell=bash
# Shared settings of the developer scripts: where the cache lives and how
# every kernel make is invoked. Sourced, never run; dkms.conf sources it
# too (for KMAKE_FLAGS), so it only sets variables and defines functions.

DEVNSFS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEVNSFS_CACHE=${DEVNSFS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/devnsfs}
BINDGEN_VERSION=0.69.5
BINDGEN_BIN=$DEVNSFS_CACHE/bindgen-$BINDGEN_VERSION/bin/bindgen
KSRC_PACKAGE=linux-source-6.12
KSRC_TARBALL=/usr/src/$KSRC_PACKAGE.tar.xz

# Debian's rustc-web ships rust-src; the rustup compiler first on PATH does
# not, and without these variables olddefconfig silently drops CONFIG_RUST.
KMAKE_FLAGS=(
	LLVM=1
	RUSTC=/usr/bin/rustc
	RUSTDOC=/usr/bin/rustdoc
	HOSTRUSTC=/usr/bin/rustc
	RUSTFMT=/usr/bin/rustfmt
	CLIPPY_DRIVER=/usr/bin/clippy-driver
	BINDGEN="$BINDGEN_BIN"
)

log() { printf '[devnsfs] %s\n' "$*" >&2; }
die() { printf '[devnsfs] error: %s\n' "$*" >&2; exit 1; }

# The extracted kernel source, keyed by the Debian package version.
ksrc_dir() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' "$KSRC_PACKAGE" 2>/dev/null) ||
		die "$KSRC_PACKAGE is not installed (run: make deps)"
	printf '%s/src/%s-%s\n' "$DEVNSFS_CACHE" "$KSRC_PACKAGE" "${ver//[^A-Za-z0-9.-]/_}"
}

# The build directory of a kernel variant: version + hash of every input
# that shapes the .config, so an unchanged config rebuilds nothing.
kbuild_dir() {
	local variant=$1 ksrc hash
	ksrc=$(ksrc_dir)
	hash=$( { basename "$ksrc"; /usr/bin/rustc --version; clang --version | head -n1
		  cat "$DEVNSFS_TOP/scripts/kconfig/guest.config" \
		      "$DEVNSFS_TOP/selftests/config" \
		      "$DEVNSFS_TOP/scripts/kconfig/$variant.config"; } |
		sha256sum | cut -c1-12)
	printf '%s/kernel/%s-%s-%s\n' "$DEVNSFS_CACHE" "$(basename "$ksrc")" "$variant" "$hash"
}
