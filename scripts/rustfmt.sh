#!/usr/bin/env bash
# Format the Rust sources (--check: only check): the module with the
# kernel's rustfmt settings, devnsctl with cargo fmt's defaults.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$DEVNSFS_TOP"
/usr/bin/rustfmt --edition 2021 --config-path "$(ksrc_dir)/.rustfmt.toml" "$@" src/devnsfs.rs
"$DEVNSFS_TOP/scripts/devnsctl.sh" fmt "$@"
