#!/usr/bin/env bash
# Reads what a check run left in OUT (TAP of every selftest, the guest's
# console and dmesg, the seconds each program took) and prints each
# program's results, a table of their times, and the verdict. Its last line
# is exactly "N passed, N failed" (", N skipped" when some were); the exit
# status is 0 only when nothing failed.
#
#   summarize.sh OUT GUEST_EXIT_STATUS
set -uo pipefail
out=$1 guest_rc=$2
passed=0 failed=0 skipped=0

fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}

for tap in "$out"/*.tap; do
	[ -e "$tap" ] || continue
	name=$(basename "$tap" .tap)
	echo "== $name"
	sed -n '/^#  RUN\|^#  *OK\|^# *FAIL\|^ok \|^not ok \|^# [a-z_]*\.[a-z_]*:\|^#.*:[0-9]*:/p' "$tap"
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n 1)
	p=$(grep -E '^ok [0-9]+ ' "$tap" | grep -vc '# SKIP')
	s=$(grep -E '^ok [0-9]+ .*# SKIP' "$tap" | wc -l)
	f=$(grep -cE '^not ok [0-9]+ ' "$tap")
	passed=$((passed + p)) skipped=$((skipped + s)) failed=$((failed + f))
	if [ -z "$planned" ]; then
		fail "$name printed no TAP plan (exit status $(cat "$out/$name.rc" 2>/dev/null || echo none))"
	elif [ $((p + s + f)) -lt "$planned" ]; then
		missing=$((planned - p - s - f))
		failed=$((failed + missing))
		echo "FAIL: $name stopped after $((p + s + f)) of $planned cases ($missing counted as failed)"
	fi
done
[ -e "$out/zz_runner.tap" ] || fail "the guest never finished its run (see $out/console.log)"

case $guest_rc in
0) ;;
124) fail "the guest hung and was killed" ;;
*) fail "QEMU exited with status $guest_rc" ;;
esac

# Any kernel splat fails the run, whichever test provoked it.
splat='WARNING:|BUG:|Oops|KASAN:|ODEBUG:|UBSAN:|Kernel panic|cut here|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|lock held when returning|kmemleak: .* new suspected'
if grep -hEq "$splat" "$out/console.log" "$out/dmesg.txt" 2>/dev/null; then
	fail "kernel splat in the guest log:"
	log=$out/dmesg.txt
	[ -s "$log" ] || log=$out/console.log
	grep -E -m 20 -A 12 "$splat" "$log" | head -n 60
fi
if grep -q "Kernel panic" "$out/console.log" 2>/dev/null; then
	echo "the guest panicked: $out/console.log has the whole log"
fi

# Where the time went: one line per program, then the guest as a whole
# (boot, every program, the runner's checks, power-off).
echo
echo "seconds  program"
for tap in "$out"/*.tap; do
	[ -e "$tap" ] || continue
	name=$(basename "$tap" .tap)
	# The console has the same figure, unless a kernel message cut the line.
	t=$(cat "$out/$name.seconds" 2>/dev/null ||
		sed -n "s/^devnsfs-guest: $name took \([0-9]*\) s\r*\$/\1/p" "$out/console.log" 2>/dev/null)
	printf '%7s  %s\n' "${t:-?}" "$name"
done
if [ -s "$out/guest.seconds" ]; then
	printf '%7s  %s\n' "$(cat "$out/guest.seconds")" "the guest in all, boot to power-off"
fi

echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
