#!/usr/bin/env bash
# Boot a test kernel in QEMU on the host's own root (read-only virtio-9p)
# and run one job script inside it as root.
#
#   guest.sh KDIR OUT JOB [stdio]
#
# OUT is a host directory the guest may write (its console log lands there
# too); JOB is a script run by /bin/sh in the guest with DEVNSFS_TOP,
# DEVNSFS_OUT and DEVNSFS_KO set. With "stdio" the console goes to the
# terminal as well. Exit status: 0 when the guest powered off by itself,
# 124 when it hung and was killed, other values when QEMU failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=$1 out=$2 job=$3 mode=${4:-file}
timeout_s=${DEVNSFS_GUEST_TIMEOUT:-3000}
bzimage=$kdir/arch/x86/boot/bzImage
[ -f "$bzimage" ] || die "no kernel image at $bzimage"
case "$out$DEVNSFS_TOP$DEVNSFS_CACHE" in
*[[:space:]]*) die "paths with spaces cannot be passed to the guest" ;;
esac

# The initramfs: busybox and our /init, from the kernel's own cpio tool.
ksrc=$(ksrc_dir)
gen=$DEVNSFS_CACHE/bin/gen_init_cpio
if [ ! -x "$gen" ]; then
	mkdir -p "$(dirname "$gen")"
	cc -O2 -o "$gen" "$ksrc/usr/gen_init_cpio.c"
fi
initrd=$DEVNSFS_CACHE/initramfs-$(cat "$DEVNSFS_TOP/scripts/guest/init" /bin/busybox |
	sha256sum | cut -c1-12).cpio
if [ ! -f "$initrd" ]; then
	printf '%s\n' "dir /bin 0755 0 0" "dir /dev 0755 0 0" \
		"nod /dev/console 0600 0 0 c 5 1" \
		"file /bin/busybox /bin/busybox 0755 0 0" \
		"file /init $DEVNSFS_TOP/scripts/guest/init 0755 0 0" |
		"$gen" - >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
fi

# KVM hung in trials on these machines: use it only when a short probe boot
# succeeds, and remember the verdict until the host reboots.
accel=tcg
if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -w /dev/kvm ] && [ -z "${DEVNSFS_ACCEL:-}" ]; then
	verdict=$DEVNSFS_CACHE/kvm-$(cat /proc/sys/kernel/random/boot_id)
	if [ ! -f "$verdict" ]; then
		probe=$(mktemp -d "$DEVNSFS_CACHE/kvm-probe.XXXXXX")
		echo 'echo ok >$DEVNSFS_OUT/kvm' >"$probe/probe.sh"
		DEVNSFS_GUEST_TIMEOUT=30 DEVNSFS_ACCEL=kvm \
			"$0" "$kdir" "$probe" "$probe/probe.sh" >/dev/null 2>&1 || true
		if [ -f "$probe/kvm" ]; then echo kvm >"$verdict"; else echo tcg >"$verdict"; fi
		rm -rf "$probe"
	fi
	accel=$(cat "$verdict")
fi
accel=${DEVNSFS_ACCEL:-$accel}

mkdir -p "$out"
printf '%s\n' '#!/bin/sh' \
	'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	"export HOME=/tmp DEVNSFS_TOP=$DEVNSFS_TOP DEVNSFS_OUT=$out" \
	"export DEVNSFS_KO=$DEVNSFS_TOP/devnsfs.ko DEVNSFS_TESTS='${DEVNSFS_TESTS:-}'" \
	"export DEVNSFS_ACCEL=$accel BENCH_REPS='${BENCH_REPS:-}' BENCH_CASES='${BENCH_CASES:-}'" \
	"export DEVNSFS_STRESS='${DEVNSFS_STRESS:-}' DEVNSFS_PROG_TIMEOUT='${DEVNSFS_PROG_TIMEOUT:-}'" \
	". $DEVNSFS_TOP/scripts/guest/setup.sh" \
	'cd /tmp' \
	"/bin/sh $job" \
	'echo "devnsfs-guest: job exited with status $?"' \
	'/bin/busybox poweroff -f' >"$out/job.sh"

append="console=ttyS0 panic=-1 oops=panic rdinit=/init DEVNSFS_OUT=$out"
append+=" DEVNSFS_KEEP=\"$DEVNSFS_TOP $DEVNSFS_CACHE\" ${DEVNSFS_APPEND:-}"
if [ "$mode" = stdio ]; then
	serial=(-chardev "stdio,id=con,signal=off,logfile=$out/console.log" -serial chardev:con)
else
	serial=(-chardev "file,id=con,path=$out/console.log" -serial chardev:con)
fi
# 5-level paging (la57 of -cpu max) once gave an early-boot KASAN report in
# an interrupt under TCG, before any devnsfs code ran: the guest uses 4 levels.
set +e
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
	-nodefaults -no-user-config -no-reboot -display none \
	-machine q35,accel="$accel" -cpu max,la57=off -smp 2 -m 2G \
	"${serial[@]}" \
	-kernel "$bzimage" -initrd "$initrd" -append "$append" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$out,mount_tag=devnsfs_out,security_model=none,multidevs=remap" \
	</dev/null
rc=$?
set -e
[ $rc = 124 ] && log "the guest did not finish within $timeout_s s and was killed"
exit $rc
