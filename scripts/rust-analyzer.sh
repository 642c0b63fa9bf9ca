#!/usr/bin/env bash
# Write rust-project.json: the kernel's generator describes core, kernel and
# friends (6.12's `M=... rust-analyzer` fails in an O= build tree, and its
# crate-root heuristic would miss src/devnsfs.rs anyway), then devnsfs is
# added to its output.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kdir=$1
make -s -C "$kdir" "${KMAKE_FLAGS[@]}" rust-analyzer
/usr/bin/python3 - "$DEVNSFS_TOP" "$kdir" <<'PY'
import json, pathlib, sys
top = pathlib.Path(sys.argv[1])
path = top / "rust-project.json"
project = json.loads((pathlib.Path(sys.argv[2]) / "rust-project.json").read_text())
crates = project["crates"]
root = str(top / "src" / "devnsfs.rs")
if not any(c["root_module"] == root for c in crates):
    names = {c["display_name"]: i for i, c in enumerate(crates)}
    kernel = next(c for c in crates if c["display_name"] == "kernel")
    crates.append({
        "display_name": "devnsfs",
        "root_module": root,
        "is_workspace_member": True,
        "deps": [{"crate": names[n], "name": n} for n in ("core", "kernel") if n in names],
        "cfg": kernel.get("cfg", []) + ["MODULE"],
        "edition": "2021",
        "env": kernel.get("env", {}),
    })
path.write_text(json.dumps(project, indent=4, sort_keys=False) + "\n")
print(f"wrote {path} ({len(crates)} crates)")
PY
