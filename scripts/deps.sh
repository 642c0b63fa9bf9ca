#!/usr/bin/env bash
# Install what a fresh Debian 12 machine lacks: apt packages (sudo only when
# not root) and bindgen-cli at a pinned version in the cache, built by
# Debian's own cargo and rustc whether or not rustup is installed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

packages=(
	linux-source-6.12 rustc-web rust-web-src rustfmt-web rust-web-clippy cargo-web
	clang lld llvm libclang-dev
	make gcc libc6-dev flex bison bc libelf-dev libssl-dev cpio kmod xz-utils
	qemu-system-x86 busybox-static util-linux util-linux-extra python3 iproute2
	udev
)

# Installed without their Recommends: dkms recommends the distribution's
# kernel headers (linux-headers-amd64), which nothing here builds against.
packages_norecommends=(dkms)

missing=() missing_norecommends=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
for p in "${packages_norecommends[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing_norecommends+=("$p")
done
if [ $((${#missing[@]} + ${#missing_norecommends[@]})) -gt 0 ]; then
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	all=("${missing[@]}" "${missing_norecommends[@]}")
	log "installing: ${all[*]}"
	$sudo apt-get update -qq
	[ ${#missing[@]} = 0 ] ||
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
	[ ${#missing_norecommends[@]} = 0 ] ||
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
			"${missing_norecommends[@]}" >/dev/null
fi

if ! "$BINDGEN_BIN" --version 2>/dev/null | grep -qF "$BINDGEN_VERSION"; then
	# cargo-web's /usr/bin/cargo with rustc-web's /usr/bin/rustc, named
	# outright: a rustup cargo or rustc first on PATH would build with
	# another toolchain, or fail where rustup has none installed.
	[ -x /usr/bin/cargo ] || die "/usr/bin/cargo is missing (Debian package cargo-web)"
	log "installing bindgen-cli $BINDGEN_VERSION into $DEVNSFS_CACHE"
	# Outside the repo, so rust-toolchain.toml plays no part.
	(cd / && RUSTC=/usr/bin/rustc /usr/bin/cargo install --quiet --locked \
		--root "$DEVNSFS_CACHE/bindgen-$BINDGEN_VERSION" \
		bindgen-cli --version "$BINDGEN_VERSION")
fi

ksrc=$(ksrc_dir)
if [ ! -f "$ksrc/.devnsfs-extracted" ]; then
	log "extracting $KSRC_TARBALL"
	rm -rf "$ksrc" "$ksrc.tmp"
	mkdir -p "$ksrc.tmp"
	tar -xf "$KSRC_TARBALL" -C "$ksrc.tmp" --strip-components=1
	touch "$ksrc.tmp/.devnsfs-extracted"
	mv "$ksrc.tmp" "$ksrc"
fi
