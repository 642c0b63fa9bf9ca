# shellcheck shell=sh
# Sourced by every guest job: what the host root lacks as a guest's root.

# The unprivileged test user, uid/gid 1000, whatever the host calls it.
if ! grep -q '^[^:]*:[^:]*:1000:' /etc/passwd; then
	cp /etc/passwd /tmp/passwd
	echo 'devnsfs:x:1000:1000:devnsfs test user:/tmp:/bin/sh' >>/tmp/passwd
	mount --bind /tmp/passwd /etc/passwd
fi
if ! grep -q '^[^:]*:[^:]*:1000:' /etc/group; then
	cp /etc/group /tmp/group
	echo 'devnsfs:x:1000:' >>/tmp/group
	mount --bind /tmp/group /etc/group
fi
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
