//! `mount`: a new instance through fsopen/fsconfig/fsmount/move_mount,
//! so that when the kernel refuses an option its own words (the
//! fs_context log, read from the fs descriptor) are shown; mount(2)
//! leaves them in dmesg, where a container cannot read them.

use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::CWD;
use rustix::io::Errno;
use rustix::mount::{
    FsMountFlags, FsOpenFlags, MountAttrFlags, MoveMountFlags, fsconfig_create, fsconfig_set_flag,
    fsconfig_set_string, fsmount, fsopen, move_mount,
};

use crate::failure::Failure;
use crate::reasons::{Op, reason};

/// What `-o a,b=c` asks for: flags of the mount itself, and parameters
/// for the filesystem (devnsfs's uid=, gid=, mode=, ctlmode=, max=).
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    pub attrs: MountAttrFlags,
    /// (key, Some(value)) for key=value, (key, None) for a flag.
    pub params: Vec<(String, Option<String>)>,
}

impl Plan {
    pub fn empty() -> Plan {
        Plan {
            attrs: MountAttrFlags::empty(),
            params: Vec::new(),
        }
    }
}

/// Splits mount(8)-style option lists. The mount flags mount(8) knows
/// become attributes of the new mount; everything else goes to the
/// filesystem, which judges it.
pub fn plan(option_lists: &[String]) -> Plan {
    let mut p = Plan::empty();
    for opt in option_lists.iter().flat_map(|l| l.split(',')) {
        let attr = match opt {
            "" | "rw" | "relatime" => {
                if opt == "rw" {
                    p.attrs.remove(MountAttrFlags::MOUNT_ATTR_RDONLY);
                }
                continue;
            }
            "ro" => MountAttrFlags::MOUNT_ATTR_RDONLY,
            "nosuid" => MountAttrFlags::MOUNT_ATTR_NOSUID,
            "nodev" => MountAttrFlags::MOUNT_ATTR_NODEV,
            "noexec" => MountAttrFlags::MOUNT_ATTR_NOEXEC,
            "noatime" => MountAttrFlags::MOUNT_ATTR_NOATIME,
            "strictatime" => MountAttrFlags::MOUNT_ATTR_STRICTATIME,
            "nodiratime" => MountAttrFlags::MOUNT_ATTR_NODIRATIME,
            _ => {
                let param = match opt.split_once('=') {
                    Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                    None => (opt.to_owned(), None),
                };
                p.params.push(param);
                continue;
            }
        };
        p.attrs |= attr;
    }
    p
}

/// The source mountinfo shows, unless -o source= names another.
const SOURCE: &str = "devnsfs";

pub fn run(option_lists: &[String], dir: &Path) -> Result<(), Failure> {
    let p = plan(option_lists);
    let fs = fsopen("devnsfs", FsOpenFlags::FSOPEN_CLOEXEC)
        .map_err(|e| Failure::errno("fsopen devnsfs", e, reason(Op::Fsopen, e)))?;
    let result = configure_and_mount(&fs, &p, dir);
    // The kernel's messages, errors and warnings alike, whatever happened.
    for msg in log_messages(&fs) {
        eprintln!("devnsctl: kernel: {msg}");
    }
    result
}

fn configure_and_mount(fs: &OwnedFd, p: &Plan, dir: &Path) -> Result<(), Failure> {
    let step =
        |what: String, op: Op<'static>| move |e: Errno| Failure::errno(what, e, reason(op, e));
    if !p.params.iter().any(|(k, _)| k == "source") {
        fsconfig_set_string(fs, "source", SOURCE)
            .map_err(step("fsconfig source".into(), Op::Fsconfig))?;
    }
    for (key, value) in &p.params {
        match value {
            Some(v) => fsconfig_set_string(fs, key.as_str(), v.as_str())
                .map_err(step(format!("fsconfig {key}={v}"), Op::Fsconfig))?,
            None => fsconfig_set_flag(fs, key.as_str())
                .map_err(step(format!("fsconfig {key}"), Op::Fsconfig))?,
        }
    }
    fsconfig_create(fs).map_err(step("fsconfig create".into(), Op::FsCreate))?;
    let mnt = fsmount(fs, FsMountFlags::FSMOUNT_CLOEXEC, p.attrs)
        .map_err(step("fsmount".into(), Op::Fsmount))?;
    move_mount(&mnt, "", CWD, dir, MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH).map_err(step(
        format!("move_mount to {}", dir.display()),
        Op::MoveMount,
    ))
}

/// Reads the fs_context log: one message per read(2), "e ", "w " or "i "
/// and the text, until ENODATA.
fn log_messages(fs: &OwnedFd) -> Vec<String> {
    let mut msgs = Vec::new();
    let mut buf = [0u8; 1024];
    // The log holds at most 8 messages; the bound only guards against a
    // kernel that never says ENODATA.
    for _ in 0..64 {
        match rustix::io::read(fs, &mut buf[..]) {
            Ok(n) if n > 0 => msgs.push(describe_message(&buf[..n])),
            _ => break,
        }
    }
    msgs
}

fn describe_message(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim_end_matches(['\n', '\0']);
    match text.split_at_checked(2) {
        Some(("e ", rest)) => format!("error: {rest}"),
        Some(("w ", rest)) => format!("warning: {rest}"),
        Some(("i ", rest)) => format!("info: {rest}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lists(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn splits_mount_flags_from_filesystem_parameters() {
        let p = plan(&lists(&["mode=0666,nosuid,ro", "uid=0,noexec,rw,flag"]));
        assert_eq!(
            p.attrs,
            MountAttrFlags::MOUNT_ATTR_NOSUID | MountAttrFlags::MOUNT_ATTR_NOEXEC
        );
        assert_eq!(
            p.params,
            vec![
                ("mode".to_owned(), Some("0666".to_owned())),
                ("uid".to_owned(), Some("0".to_owned())),
                ("flag".to_owned(), None),
            ]
        );
        assert_eq!(plan(&[]), Plan::empty());
        assert_eq!(plan(&lists(&[""])), Plan::empty());
    }

    #[test]
    fn log_messages_are_labelled() {
        assert_eq!(
            describe_message(b"e devnsfs: Unknown parameter 'x'"),
            "error: devnsfs: Unknown parameter 'x'"
        );
        assert_eq!(describe_message(b"w a\n"), "warning: a");
        assert_eq!(describe_message(b"?"), "?");
    }
}
