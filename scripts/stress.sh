#!/usr/bin/env bash
# make stress: the soak cases at full counts on the debug kernel, in one
# guest, judged as make check judges its run (TAP, splats, clean rmmod,
# kmemleak); the last line is "N passed, N failed".
#
# The selftests read DEVNSFS_STRESS=1 and pick their full counts (see
# soak_count() in selftests/utils.h): numbers_test's 100 000 add/remove
# cycles, stress_test's 4000 devices, uevent_test's churn of 500 network
# namespaces, race_test's 60 s of every operation at once, fuzz_test's
# 1 000 000 control and 20 000 mount inputs, passthrough_test's 100 rounds
# of calls and pollers racing the removal of a pass-through device (4
# under make check); netns_latency_soak runs only
# here. A new soak case reads soak_count() for its counts or duration and,
# in a new program, joins the list below.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

soak_programs="numbers_test stress_test uevent_test race_test fuzz_test passthrough_test netns_latency_soak"

export DEVNSFS_STRESS=1
export DEVNSFS_TESTS=${DEVNSFS_TESTS:-$soak_programs}
export DEVNSFS_RUN_DIR=${DEVNSFS_RUN_DIR:-$DEVNSFS_CACHE/runs/stress}
# 100 000 cycles took 16 min in a cached make check and more than 15 min
# on a CI machine with DEBUG_OBJECTS (6.5 min for all of numbers_test in
# one make stress since): an hour per program, four hours in all.
export DEVNSFS_PROG_TIMEOUT=${DEVNSFS_PROG_TIMEOUT:-3600}
export DEVNSFS_GUEST_TIMEOUT=${DEVNSFS_GUEST_TIMEOUT:-14400}
exec "$DEVNSFS_TOP/scripts/check.sh"
