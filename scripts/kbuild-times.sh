#!/usr/bin/env bash
# Where a test kernel's build time goes, from its timestamped build.log
# (scripts/kernel.sh writes the seconds since the start before every line).
#
#   kbuild-times.sh [debug|release|BUILD_DIR]
#
# Kbuild prints a command as it starts it; the time until the next line is
# charged to that command's source directory (two levels deep). With
# `make -jN` this is an estimate of each directory's share of the wall time,
# good enough to see which subsystems are worth trimming from the config.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
arg=${1:-debug}
if [ -d "$arg" ]; then dir=$arg; else dir=$(kbuild_dir "$arg"); fi
log=$dir/build.log
[ -f "$log" ] || die "no build.log in $dir (build it with: make kernel VARIANT=$arg)"
awk '
	$1 ~ /^[0-9.]+$/ {
		if (prev != "") share[prev] += $1 - t
		t = $1; prev = ""
		if ($2 ~ /^(CC|AS|RUSTC|AR|LD|BINDGEN|EXPORTS|HOSTCC|KSYMS|BUILD|OBJCOPY)$/) {
			path = $NF
			n = split(path, p, "/")
			prev = (n >= 3) ? p[1] "/" p[2] : (n == 2 ? p[1] : "(top: link, kallsyms, image)")
			if (path ~ /^rust\//) prev = "rust (kernel crates)"
		}
		last = $1
	}
	END {
		printf "%-34s %8s %6s\n", "directory", "seconds", "share"
		for (d in share) total += share[d]
		for (d in share) printf "%-34s %8.1f %5.1f%%\n", d, share[d], 100 * share[d] / total | "sort -k2 -nr | head -n 25"
		close("sort -k2 -nr | head -n 25")
		printf "%-34s %8.1f\n", "wall time of the build", last
	}' "$log"
