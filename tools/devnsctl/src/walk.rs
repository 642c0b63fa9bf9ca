//! `ls`: every entry of an instance, found by walking the directory tree
//! from the control node's directory (the ABI has no "list" ioctl), each
//! device node described by INFO.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use rustix::io::Errno;

use crate::abi;
use crate::control::Control;
use crate::device::{Entry, Kind};
use crate::failure::Failure;
use crate::reasons::{Op, reason};

pub fn list(ctl: &Control) -> Result<Vec<Entry>, Failure> {
    let root = ctl.root();
    let meta = fs::metadata(&root).map_err(|e| io_failure(&root, &e))?;
    // A control node bind-mounted alone, or reached through a symlink,
    // is not in its instance's root: walking there would list another
    // directory.
    if meta.dev() != ctl.instance() {
        return Err(Failure::plain(
            format!("ls {}", root.display()),
            "not the root of the control node's instance (give --control the node in it)",
        ));
    }
    let mut entries = Vec::new();
    walk(ctl, &root, "", meta.dev(), &mut entries)?;
    Ok(entries)
}

fn walk(
    ctl: &Control,
    dir: &Path,
    prefix: &str,
    instance_dev: u64,
    out: &mut Vec<Entry>,
) -> Result<(), Failure> {
    let mut names = Vec::new();
    for dirent in fs::read_dir(dir).map_err(|e| io_failure(dir, &e))? {
        let dirent = dirent.map_err(|e| io_failure(dir, &e))?;
        // The type as the instance has it (d_type), whatever is mounted on
        // the entry.
        let ty = dirent
            .file_type()
            .map_err(|e| io_failure(&dirent.path(), &e))?;
        names.push((dirent.file_name().to_string_lossy().into_owned(), ty));
    }
    // Sorted, parents before their children: the same instance always
    // lists the same way.
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, ty) in names {
        let path = format!("{prefix}{name}");
        let full = dir.join(&name);
        if ty.is_dir() {
            // Through a mount on it, the directory is another filesystem's:
            // say so and stay out (pts, shm, a bind mount).
            let meta = fs::metadata(&full).map_err(|e| io_failure(&full, &e))?;
            if meta.dev() != instance_dev {
                out.push(Entry::bare(path, Kind::MountPoint));
                continue;
            }
            out.push(Entry::bare(path.clone(), Kind::Directory));
            walk(ctl, &full, &format!("{path}/"), instance_dev, out)?;
        } else if ty.is_char_device() && path == abi::CONTROL_NAME {
            let meta = fs::symlink_metadata(&full).map_err(|e| io_failure(&full, &e))?;
            let rdev = meta.rdev();
            let mut e = Entry::bare(path, Kind::Control);
            e.number = Some((rustix::fs::major(rdev), rustix::fs::minor(rdev)));
            out.push(e);
        } else if ty.is_char_device() {
            match ctl.info_raw(&path) {
                Ok(d) => out.push(Entry::device(d)),
                // Removed since readdir saw it.
                Err(Errno::NOENT) => {}
                Err(e) => {
                    return Err(Failure::errno(
                        format!("info {path}"),
                        e,
                        reason(Op::Info, e),
                    ));
                }
            }
        } else if ty.is_symlink() {
            let mut e = Entry::bare(path, Kind::Symlink);
            e.target = fs::read_link(&full)
                .ok()
                .map(|t| t.to_string_lossy().into_owned());
            out.push(e);
        } else if ty.is_file() {
            out.push(Entry::bare(path, Kind::File));
        } else {
            out.push(Entry::bare(path, Kind::Other));
        }
    }
    Ok(())
}

fn io_failure(path: &Path, e: &std::io::Error) -> Failure {
    let what = format!("ls {}", path.display());
    match Errno::from_io_error(e) {
        Some(errno) => Failure::errno(what, errno, None),
        None => Failure::plain(what, e.to_string()),
    }
}
