//! Why an operation failed, in the words of
//! Documentation/filesystems/devnsfs.rst (the Errors table, Pass-through
//! classes, Mounting), so that a user need not look the errno up. `None`
//! means the Documentation says nothing specific: strerror's text is used.

use rustix::io::Errno;

/// What was being done when the errno came back.
#[derive(Clone, Copy, Debug)]
pub enum Op<'a> {
    /// Opening the control node (for writing: add and rm).
    Open {
        write: bool,
    },
    Add {
        class: &'a str,
    },
    Remove,
    Info,
    /// The steps of `devnsctl mount`.
    Fsopen,
    Fsconfig,
    FsCreate,
    Fsmount,
    MoveMount,
}

const NAME_RULES: &str = "bad name: a name is a path of 1 to 63 bytes, components of \
[A-Za-z0-9._-] separated by single '/' (none leading or trailing), none '.' or '..', \
the first not devns-control";

const PASS_THROUGH_SWITCHES: &[(&str, &str)] = &[
    ("tun", "tun_class"),
    ("fuse", "fuse_class"),
    ("kvm", "kvm_class"),
];

pub fn reason(op: Op<'_>, e: Errno) -> Option<String> {
    let text: &str = match (op, e) {
        (Op::Open { .. }, Errno::NOENT) => {
            "no control node there: is devnsfs mounted at that directory? (--control PATH, --pid PID)"
        }
        (Op::Open { write: true }, Errno::ACCESS) => {
            "adding and removing need the control node open for writing: its mode and owner \
             (mount options ctlmode=, uid=, gid=) decide who may"
        }
        (Op::Open { .. }, Errno::ACCESS) => {
            "the control node's mode and owner (mount options ctlmode=, uid=, gid=) do not let you open it"
        }
        (Op::Open { .. }, Errno::NXIO) => {
            "not a live control node: a copy of a devnsfs node elsewhere opens nothing"
        }
        (Op::Add { .. } | Op::Remove | Op::Info, Errno::NOTTY) => {
            "not a devnsfs control node (unknown ioctl)"
        }
        (Op::Add { .. } | Op::Remove, Errno::BADF) => "the control node is not open for writing",
        (Op::Add { class: "host" }, Errno::INVAL) => {
            "class host: major 0 or above 4095, or minor above 2^20 - 1; or a bad name: a name is a \
             path of 1 to 63 bytes, components of [A-Za-z0-9._-] separated by single '/', none '.' \
             or '..', the first not devns-control"
        }
        (Op::Add { .. } | Op::Remove | Op::Info, Errno::INVAL) => NAME_RULES,
        (Op::Add { .. }, Errno::OPNOTSUPP) => "no such device class in this devnsfs",
        (Op::Add { .. }, Errno::EXIST) => {
            "the instance already has a node or a directory at that path"
        }
        (Op::Add { .. }, Errno::NOTDIR) => {
            "a device's node is where the path needs a directory (a/b when a is a device)"
        }
        (Op::Add { .. }, Errno::NOSPC) => {
            "the instance holds max= devices, or every device number devnsfs may reserve has \
             been handed out (for a container: all but the reserved ones)"
        }
        (Op::Add { .. }, Errno::DQUOT) => {
            "your user's device-number budget is spent: the container's user namespace (with its \
             descendants), an ancestor, or the host user owning it used up its budget (module \
             parameters ns_budget, user_budget); numbers are never reused until reboot"
        }
        (Op::Add { .. }, Errno::NOMEM) => "out of memory, or the memory cgroup's memory.max",
        (Op::Add { class: "host" }, Errno::PERM) => {
            "class host needs CAP_MKNOD in the initial user namespace and a device cgroup that \
             allows mknod of the number"
        }
        (Op::Add { class }, Errno::PERM) => {
            return PASS_THROUGH_SWITCHES
                .iter()
                .find(|(c, _)| *c == class)
                .map(|(c, param)| {
                    format!("the host disallows class {c}: the module parameter {param} is 0")
                });
        }
        (Op::Add { .. }, Errno::NXIO) => {
            "the driver is not loaded: devnsfs loads no module for tun, fuse or kvm (ask the \
             host to modprobe it)"
        }
        (Op::Remove | Op::Info, Errno::NOENT) => {
            "the instance has no device called that (a directory is not a device)"
        }
        (Op::Remove, Errno::BUSY) => {
            "the device's node is a mount point: unmount what is mounted on it first"
        }
        (Op::Fsopen, Errno::NODEV) => "the devnsfs module is not loaded (no such filesystem type)",
        (Op::Fsopen, Errno::PERM) => {
            "mounting needs CAP_SYS_ADMIN in the user namespace owning your mount namespace \
             (e.g. unshare --user --map-root-user --mount)"
        }
        (Op::Fsconfig | Op::FsCreate, Errno::INVAL) => {
            "the kernel refused the option (its message is above)"
        }
        (Op::MoveMount, Errno::NOENT) => "no such mount point directory",
        (Op::MoveMount, Errno::PERM) => {
            "you may not mount there: the directory is outside your mount namespace's reach, \
             or locked"
        }
        _ => return None,
    };
    Some(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(op: Op<'_>, e: Errno) -> String {
        reason(op, e).unwrap_or_default()
    }

    #[test]
    fn documented_reasons() {
        assert!(
            r(Op::Add { class: "null" }, Errno::DQUOT)
                .starts_with("your user's device-number budget is spent")
        );
        assert!(
            r(Op::Add { class: "host" }, Errno::PERM)
                .starts_with("class host needs CAP_MKNOD in the initial user namespace")
        );
        assert_eq!(
            r(Op::Add { class: "tun" }, Errno::PERM),
            "the host disallows class tun: the module parameter tun_class is 0"
        );
        assert!(r(Op::Add { class: "fuse" }, Errno::NXIO).starts_with("the driver is not loaded"));
        assert!(r(Op::Add { class: "x" }, Errno::NOTDIR).starts_with("a device's node is where"));
        assert!(r(Op::Remove, Errno::BUSY).contains("mount point"));
        assert!(r(Op::Info, Errno::NOENT).contains("a directory is not a device"));
        assert!(r(Op::Add { class: "host" }, Errno::INVAL).starts_with("class host: major 0"));
        assert!(r(Op::Info, Errno::INVAL).starts_with("bad name"));
    }

    #[test]
    fn undocumented_errors_have_no_reason() {
        assert_eq!(reason(Op::Add { class: "null" }, Errno::PERM), None);
        assert_eq!(reason(Op::Info, Errno::BUSY), None);
        assert_eq!(reason(Op::Fsmount, Errno::NOMEM), None);
    }
}
