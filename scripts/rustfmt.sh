#!/usr/bin/env bash
# Format the Rust sources with the kernel's rustfmt settings (--check: only check).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$DEVNSFS_TOP"
/usr/bin/rustfmt --edition 2021 --config-path "$(ksrc_dir)/.rustfmt.toml" "$@" src/devnsfs.rs
