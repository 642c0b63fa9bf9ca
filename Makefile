# SPDX-License-Identifier: GPL-2.0
#
# Developer targets. kbuild itself reads Kbuild, so the module also builds
# with a plain `make -C $KDIR M=$PWD LLVM=1 RUSTC=... BINDGEN=... modules`.
#
#   make run          demo: an unprivileged user mounts devnsfs in a guest
#   make check        every selftest in a guest on the debug kernel, in
#                     minutes: soak loops at quick counts
#   make stress       the soak cases at full counts on the debug kernel
#                     (DEVNSFS_STRESS=1): minutes where make check takes
#                     seconds per program
#   make bench        devnsfs against its peers in a guest on the release
#                     kernel; BENCH_JSON=<file> names the JSON output
#   make deps         install what is missing (apt, bindgen-cli)
#   make kernel       build the VARIANT (debug|release) test kernel, cached
#   make module       build devnsfs.ko against it (CLIPPY=1 to lint)
#   make selftests    build the selftest programs
#   make devnsctl     build the devnsctl tool (CLIPPY=1 to lint it instead)
#   make dkms-check   dkms add, build, install and remove of the module
#                     (dkms.conf) against the debug kernel, in private trees
#   make rustfmt      format the Rust sources (module and devnsctl);
#                     rustfmtcheck only checks
#   make rust-analyzer  write rust-project.json for the editor
#
# KDIR=<Rust-enabled kernel build tree> replaces the cached test kernels.

VARIANT ?= debug
S := scripts
export KDIR CLIPPY BENCH_JSON BENCH_REPS BENCH_CASES

.PHONY: all run check stress bench deps kernel module selftests devnsctl dkms-check rustfmt rustfmtcheck rust-analyzer clean

all: module devnsctl

run:
	@$(S)/run.sh

check:
	@$(S)/check.sh

stress:
	@$(S)/stress.sh

bench:
	@$(S)/bench.sh

deps:
	@$(S)/deps.sh

kernel: deps
	@$(S)/kernel.sh $(VARIANT)

module: deps
	@$(S)/module.sh "$${KDIR:-$$($(S)/kernel.sh $(VARIANT))}" modules

selftests: deps
	@$(S)/selftests.sh

devnsctl: deps
	@$(S)/devnsctl.sh build

dkms-check:
	@$(S)/dkms-check.sh

rustfmt rustfmtcheck: deps
	@$(S)/rustfmt.sh $(if $(filter rustfmtcheck,$@),--check)

rust-analyzer: deps
	@$(S)/rust-analyzer.sh "$${KDIR:-$$($(S)/kernel.sh $(VARIANT))}"

clean:
	@if [ -f .devnsfs-kdir ]; then $(S)/module.sh "$$(cat .devnsfs-kdir)" clean; fi
	@rm -f .devnsfs-kdir
	@$(MAKE) -s -C selftests clean
	@$(MAKE) -s -C bench clean
	@rm -rf tools/devnsctl/target
