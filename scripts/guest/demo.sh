# shellcheck shell=sh
# The demo `make run` shows, inside the guest: an unprivileged user mounts
# devnsfs in its own user and mount namespace and creates devices there.

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say insmod devnsfs.ko
insmod "$DEVNSFS_KO" || exit 1
grep devnsfs /proc/filesystems /proc/devices

# devnsctl, as the host built it (scripts/run.sh), for the container too.
export PATH="$DEVNSFS_TOP/tools/devnsctl/target/release:$PATH"
say "setpriv --reuid=1000 --regid=1000 --clear-groups unshare --user --map-root-user --mount --net sh"
setpriv --reuid=1000 --regid=1000 --clear-groups \
	unshare --user --map-root-user --mount --net sh -eu -c '
	say() { printf "\n\033[1m(container)# %s\033[0m\n" "$*"; }
	mkdir -p /tmp/dev
	say "id"; id
	say "mount -t devnsfs -o mode=0666 none /tmp/dev"; mount -t devnsfs -o mode=0666 none /tmp/dev
	say "stat -f -c \"type=%T magic=0x%t\" /tmp/dev"; stat -f -c "type=%T magic=0x%t" /tmp/dev
	for d in null:null zero:zero full:full urandom:random rtc0:rtc; do
		say "devnsctl --control /tmp/dev/devns-control add ${d%:*} ${d#*:}"
		devnsctl --control /tmp/dev/devns-control add "${d%:*}" "${d#*:}"
	done
	say "ls -l /tmp/dev"; ls -l /tmp/dev
	say "head -c 16 /tmp/dev/urandom | od -An -tx1"; head -c 16 /tmp/dev/urandom | od -An -tx1
	say "echo hello | dd of=/tmp/dev/full status=none"; echo hello | dd of=/tmp/dev/full status=none || true
	say "rm /tmp/dev/full; ls /tmp/dev"; rm /tmp/dev/full; ls /tmp/dev
	say "hwclock --rtc=/tmp/dev/rtc0 --utc --noadjfile --set --date=\"2031-01-02 03:04:05\""
	hwclock --rtc=/tmp/dev/rtc0 --utc --noadjfile --set --date="2031-01-02 03:04:05"
	say "hwclock --rtc=/tmp/dev/rtc0 --utc --noadjfile --show; date -u"
	hwclock --rtc=/tmp/dev/rtc0 --utc --noadjfile --show; date -u
	say "devnsctl --control /tmp/dev/devns-control add net/tun tun"
	devnsctl --control /tmp/dev/devns-control add net/tun tun
	say "mount --bind /tmp/dev/net/tun /dev/net/tun; ip tuntap add dev tun0 mode tun; ip -br link"
	mount --bind /tmp/dev/net/tun /dev/net/tun
	ip tuntap add dev tun0 mode tun; ip -br link
	say "ls -l /tmp/dev/net"; ls -l /tmp/dev/net
	say "devnsctl --control /tmp/dev/devns-control ls"; devnsctl --control /tmp/dev/devns-control ls
	say "grep \" - devnsfs \" /proc/self/mountinfo"; grep " - devnsfs " /proc/self/mountinfo
	say "umount /tmp/dev"; umount /tmp/dev
'
# A rootless crun container whose /dev is devnsfs -o std (the bundle from
# `crun spec --rootless`, its /dev tmpfs replaced as the README shows).
if command -v crun >/dev/null; then
	mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null || true
	say "crun: a rootless busybox container, /dev = devnsfs -o std (uid 1000)"
	setpriv --reuid=1000 --regid=1000 --clear-groups sh -eu -c '
		b=/tmp/bundle
		mkdir -p $b/rootfs/bin $b/rootfs/proc $b/rootfs/dev $b/rootfs/sys
		cp /bin/busybox $b/rootfs/bin/busybox
		for a in sh ls cat head od grep echo; do ln -s busybox $b/rootfs/bin/$a; done
		cd $b && crun spec --rootless
		/usr/bin/python3 "$DEVNSFS_TOP/selftests/oci_config.py" $b/config.json devnsfs 0 \
			$b/rootfs sh -c "ls -l /dev; head -c 8 /dev/urandom | od -An -tx1; \
			echo to-null > /dev/null; grep \" /dev \" /proc/self/mountinfo"
		crun --root /tmp/crun-state --cgroup-manager=disabled run -b $b demo
	'
fi
say rmmod devnsfs
rmmod devnsfs && echo "devnsfs-demo: done"
