# shellcheck shell=sh
# Runs inside the guest as root: every selftest, then the runner's own
# cases (clean rmmod, no kmemleak report). TAP goes to $DEVNSFS_OUT, and
# each program's wall time in seconds to NAME.seconds beside it.
#
# DEVNSFS_STRESS=1 (make stress) makes the selftests run their soak loops
# at full counts; DEVNSFS_PROG_TIMEOUT bounds each program (a program
# killed by it leaves its TAP short, which counts as failed).

out=$DEVNSFS_OUT
kmemleak=/sys/kernel/debug/kmemleak
[ -w $kmemleak ] && echo clear >$kmemleak

run() {
	echo "devnsfs-guest: running $1"
	start=$(date +%s)
	timeout "${DEVNSFS_PROG_TIMEOUT:-600}" "./$1" >"$out/$1.tap" 2>&1
	echo $? >"$out/$1.rc"
	took=$(($(date +%s) - start))
	echo "$took" >"$out/$1.seconds"
	echo "devnsfs-guest: $1 took $took s"
}

cd "$DEVNSFS_TOP/selftests" || exit 1
# module_test loads the module and leaves it loaded for the others.
run module_test
for t in ${DEVNSFS_TESTS:-*_test}; do
	[ "$t" = module_test ] || run "$t"
done

start=$(date +%s)
{
	echo "TAP version 13"
	echo "1..2"
	if err=$(rmmod devnsfs 2>&1); then
		echo "ok 1 runner.rmmod_after_all_tests"
	else
		echo "not ok 1 runner.rmmod_after_all_tests"
		echo "# $err"
		echo "# refcnt $(cat /sys/module/devnsfs/refcnt 2>&1)"
		grep devnsfs /proc/self/mountinfo | sed 's/^/# /'
	fi
	if [ -w $kmemleak ]; then
		# kmemleak reports only objects older than 5 seconds.
		sleep 6
		echo scan >$kmemleak
		leaks=$(cat $kmemleak)
		if [ -z "$leaks" ]; then
			echo "ok 2 runner.kmemleak_clean"
		else
			echo "not ok 2 runner.kmemleak_clean"
			echo "$leaks" | sed 's/^/# /'
		fi
	else
		echo "ok 2 runner.kmemleak_clean # SKIP no kmemleak in this kernel"
	fi
} >"$out/zz_runner.tap"
echo 0 >"$out/zz_runner.rc"
took=$(($(date +%s) - start))
echo "$took" >"$out/zz_runner.seconds"
echo "devnsfs-guest: zz_runner took $took s"
dmesg >"$out/dmesg.txt"
