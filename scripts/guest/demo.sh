# shellcheck shell=sh
# The demo `make run` shows, inside the guest: an unprivileged user mounts
# devnsfs in its own user and mount namespace.

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say insmod devnsfs.ko
insmod "$DEVNSFS_KO" || exit 1
grep devnsfs /proc/filesystems

say "setpriv --reuid=1000 --regid=1000 --clear-groups unshare --user --map-root-user --mount sh"
setpriv --reuid=1000 --regid=1000 --clear-groups \
	unshare --user --map-root-user --mount sh -eu -c '
	say() { printf "\n\033[1m(container)# %s\033[0m\n" "$*"; }
	mkdir -p /tmp/dev
	say "id"; id
	say "mount -t devnsfs none /tmp/dev"; mount -t devnsfs none /tmp/dev
	say "stat -f -c \"type=%T magic=0x%t\" /tmp/dev"; stat -f -c "type=%T magic=0x%t" /tmp/dev
	say "ls -la /tmp/dev"; ls -la /tmp/dev
	say "grep devnsfs /proc/self/mountinfo"; grep devnsfs /proc/self/mountinfo
	say "umount /tmp/dev"; umount /tmp/dev
'
say rmmod devnsfs
rmmod devnsfs && echo "devnsfs-demo: done"
