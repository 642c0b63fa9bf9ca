# shellcheck shell=sh
# Runs inside the guest as root for `make bench`: devnsfs loaded with room
# for the 100 000-device case, then every case of bench/bench.
out=$DEVNSFS_OUT
insmod "$DEVNSFS_KO" max_devices=100000 || exit 1
{
	echo "# $(uname -r), $(nproc) CPUs, QEMU $DEVNSFS_ACCEL"
	BENCH_REPS=$BENCH_REPS BENCH_CASES=$BENCH_CASES \
		"$DEVNSFS_TOP/bench/bench" "$out/bench.json"
} 2>&1 | tee "$out/bench.txt"
rmmod devnsfs
