#!/usr/bin/env bash
# devnsctl, the command-line tool (tools/devnsctl), built, tested and
# linted with Debian's cargo and rustc named outright, as deps.sh builds
# bindgen: a rustup toolchain first on PATH plays no part. --locked: the
# committed Cargo.lock decides every dependency's version.
#
#   devnsctl.sh build        release build, the binary the guest runs
#                            (CLIPPY=1: clippy instead, every warning an error)
#   devnsctl.sh test OUT     cargo test, its results as TAP in
#                            OUT/devnsctl_cargo.tap for summarize.sh
#   devnsctl.sh fmt [--check]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

crate=$DEVNSFS_TOP/tools/devnsctl
cargo() {
	# Debian's cargo-clippy and cargo-fmt find clippy-driver and rustfmt
	# next to themselves or through these.
	RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTFMT=/usr/bin/rustfmt \
		/usr/bin/cargo "$1" --manifest-path "$crate/Cargo.toml" "${@:2}"
}

case ${1:-build} in
build)
	[ -x /usr/bin/cargo ] || die "/usr/bin/cargo is missing (Debian package cargo-web; run: make deps)"
	if [ "${CLIPPY:-}" = 1 ]; then
		cargo clippy --quiet --locked --release --all-targets -- -D warnings
	else
		cargo build --quiet --locked --release
	fi
	;;
test)
	out=$2
	raw=$out/devnsctl_cargo.log
	tap=$out/devnsctl_cargo.tap
	start=$SECONDS
	# The release profile, so that the dependencies built for the binary
	# serve the tests too.
	rc=0
	cargo test --locked --release >"$raw" 2>&1 || rc=$?
	echo "$((SECONDS - start))" >"$out/devnsctl_cargo.seconds"
	results=$(sed -nE 's/^test ([^ ]+) \.\.\. (ok|FAILED|ignored)$/\2 \1/p' "$raw" | sort -k2)
	{
		echo "TAP version 13"
		if [ -z "$results" ]; then
			# Nothing ran: the build failed (its errors are in the log).
			echo "1..1"
			echo "not ok 1 devnsctl.cargo_test # exit status $rc, no test ran"
			grep -E '^(error|warning)' -A5 "$raw" | head -n 40 | sed 's/^/# /'
		else
			echo "1..$(echo "$results" | wc -l)"
			i=0
			while read -r verdict name; do
				i=$((i + 1))
				name=devnsctl.${name//::tests::/.}
				case $verdict in
				ok) echo "ok $i $name" ;;
				ignored) echo "ok $i $name # SKIP ignored" ;;
				*) echo "not ok $i $name" ;;
				esac
			done <<<"$results"
			# The failures' panics, where summarize.sh shows them
			# ("# file:line:" lines).
			sed -n '/^failures:$/,/^test result/p' "$raw" | grep -E ':[0-9]+:' | sed 's/^/# /' || true
		fi
	} >"$tap"
	log "devnsctl: cargo test ran $(grep -c '^ok ' "$tap") cases, $(grep -c '^not ok ' "$tap") failed ($raw)"
	;;
fmt)
	shift
	cargo fmt "$@"
	;;
*)
	die "usage: devnsctl.sh build | test OUT | fmt [--check]"
	;;
esac
