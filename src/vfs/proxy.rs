// SPDX-License-Identifier: GPL-2.0

//! Opening a host driver through a devnsfs node, and the per-open proxy
//! that makes such a file revocable.
//!
//! A pass-through node is a character device inode whose `i_rdev` is the
//! host device's number and whose `i_fop` is devnsfs's own. Its open calls
//! the kernel's `chrdev_open()` (`def_chr_fops.open`) on the node, exactly
//! as opening the host's node would: the cdev is found by `i_rdev`, the
//! driver's table replaces devnsfs's in `f_op` (with a reference on the
//! driver's module) and the driver's open runs. Then, for a proxied file,
//! devnsfs puts a per-open table in `f_op` that mirrors which operations
//! the driver has and checks, before forwarding each call, that the node
//! has not been removed (the model is fs/debugfs/file.c's "full proxy").
//!
//! Module references, for rmmod in any order:
//! - do_dentry_open() holds one on devnsfs (the node's `i_fop->owner`);
//!   `open_host` takes a second one before chrdev_open()'s replace_fops()
//!   drops the first. The proxy table's owner is devnsfs and it owns that
//!   second reference, which __fput()'s `fops_put(f_op)` drops after our
//!   release has returned (release leaves a static stub table, owned by
//!   devnsfs, in `f_op`, so that the proxy can be freed first).
//! - The proxy owns the driver's reference taken by chrdev_open() and puts
//!   it after the driver's release.
//! - Besides, an open file pins its mount, the superblock and so devnsfs
//!   (sget_fc() takes get_filesystem()), so code here never runs unpinned.

use super::{poll, File, PollTable};
use crate::ffi;
use core::{
    ffi::{c_int, c_uint},
    ptr::{addr_of_mut, null_mut},
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{error::to_result, prelude::*, sync::Arc};

/// What a proxied file checks before each call: the state of the device
/// behind its node.
pub(crate) trait Revocable: Send + Sync + 'static {
    /// Whether the node has been removed: calls from now on fail.
    fn is_revoked(&self) -> bool;
    /// Registers a poll(2), select(2) or epoll call on a wait queue that
    /// the revocation wakes, so that pollers see `POLLERR | POLLHUP`.
    fn poll_wait(&self, file: &File, table: &PollTable);
}

/// How the file opened through a pass-through node is handed out.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forwarding {
    /// Behind the per-open proxy: revocable.
    Proxied,
    /// The driver's own file, for drivers that recognise their files by
    /// `f_op` (fuse's mount) or revoke them themselves (a tty's hangup):
    /// removing the node stops new opens only.
    Direct,
}

/// The kernel's `def_chr_fops` (fs/char_dev.c), which is not exported:
/// init_special_inode() stores it in every character device inode it
/// initialises, so node creation records it here (`learn_chrdev_fops`)
/// before any pass-through node can be opened (every instance makes its
/// control node first).
static CHRDEV_FOPS: AtomicPtr<ffi::file_operations> = AtomicPtr::new(null_mut());

/// Records `def_chr_fops` from `inode`, just initialised by
/// init_special_inode() as a character device.
///
/// # Safety
///
/// `inode` is a live inode that init_special_inode() made a character
/// device, whose `i_fop` nothing has changed since.
pub(super) unsafe fn learn_chrdev_fops(inode: *mut ffi::inode) {
    // SAFETY: as the caller guarantees, `i_fop` is `&def_chr_fops`, a
    // static table of the kernel.
    let fops = unsafe { (*inode).__bindgen_anon_3.i_fop };
    CHRDEV_FOPS.store(fops.cast_mut(), Ordering::Relaxed);
}

/// Opens the host device of `file`'s node (its `i_rdev`), from within the
/// node's own open, and forwards the file as `forwarding` says, to a
/// driver that `target` can cut off.
pub(crate) fn open_host(file: &File, forwarding: Forwarding, target: Arc<dyn Revocable>) -> Result {
    let chrdev = CHRDEV_FOPS.load(Ordering::Relaxed);
    if chrdev.is_null() {
        return Err(ENXIO);
    }
    // SAFETY: a non-null value is `&def_chr_fops`, which lives forever.
    let chrdev_open = unsafe { (*chrdev).open }.ok_or(ENXIO)?;
    let raw = file.as_ptr();
    // SAFETY: `file` is being opened (its invariant): its inode is live.
    let inode = unsafe { (*raw).f_inode };
    if forwarding == Forwarding::Direct {
        // The file becomes the driver's; whatever chrdev_open() leaves in
        // `f_op` is balanced by do_dentry_open() (its fops_put() on
        // failure) or __fput() (on the last close).
        // SAFETY: called as do_dentry_open() calls `i_fop->open`: with the
        // file being opened and its inode.
        return to_result(unsafe { chrdev_open(inode, raw) });
    }
    // Allocated first: nothing may fail once the driver is open.
    let proxy = KBox::new(
        Proxy {
            // SAFETY: an all-zero `file_operations` is valid: no callbacks.
            fops: unsafe { core::mem::zeroed() },
            real: core::ptr::null(),
            target,
        },
        GFP_KERNEL_ACCOUNT,
    )?;
    // SAFETY: do_dentry_open() holds a reference on this module (its
    // `fops_get(i_fop)`), so taking another cannot race with unloading.
    unsafe { ffi::__module_get(this_module()) };
    // SAFETY: as for the direct case above.
    let opened = to_result(unsafe { chrdev_open(inode, raw) });
    if let Err(e) = opened {
        // `f_op` is ours (no driver: do_dentry_open() puts our first
        // reference) or the driver's (its open failed: do_dentry_open()
        // puts the driver's); either way our second reference is ours to
        // drop, while the mount still pins the module.
        // SAFETY: taken above.
        unsafe { ffi::module_put(this_module()) };
        return Err(e);
    }
    // SAFETY: chrdev_open() succeeded, so `f_op` is the driver's table,
    // with a reference on its owner; nobody else uses the file yet.
    let real = unsafe { (*raw).f_op };
    let mut proxy = proxy;
    proxy.real = real;
    // SAFETY: `real` is the driver's live table (pinned by the reference).
    proxy.fops = mirror(unsafe { &*real });
    let proxy = KBox::into_raw(proxy);
    // INVARIANT: `f_op` points at the first field of a `Proxy` whose
    // `real` holds the reference chrdev_open() took; it owns our second
    // module reference as its table's owner.
    // SAFETY: the file is not yet visible to anyone else.
    unsafe { (*raw).f_op = addr_of_mut!((*proxy).fops) };
    Ok(())
}

fn this_module() -> *mut ffi::module {
    addr_of_mut!(ffi::__this_module)
}

/// The per-open proxy of a driver's file operations.
///
/// # Invariants
///
/// - `fops` is the table the file's `f_op` points at (it is the first
///   field, so `f_op` is also the `Proxy`); it holds forwarders for what
///   `real` has, its owner is this module and it owns one reference on it.
/// - `real` is the driver's table after its open; the proxy owns the
///   reference on `real->owner` that chrdev_open() took.
/// - The value lives from the end of the file's open to its release.
#[repr(C)]
struct Proxy {
    fops: ffi::file_operations,
    real: *const ffi::file_operations,
    target: Arc<dyn Revocable>,
}

/// The table `f_op` points at between the proxy's release and __fput()'s
/// `fops_put(f_op)`: only its owner is read, to drop the reference the
/// proxy's table owned.
const RELEASED: ffi::file_operations = {
    // SAFETY: an all-zero `file_operations` is valid: no callbacks.
    let mut fops: ffi::file_operations = unsafe { core::mem::zeroed() };
    fops.owner = addr_of_mut!(ffi::__this_module);
    fops
};

/// A table with a forwarder for every operation `real` has (and always
/// poll, ioctl and release, so that a removed node can say so).
fn mirror(real: &ffi::file_operations) -> ffi::file_operations {
    // SAFETY: an all-zero `file_operations` is valid: no callbacks.
    let mut fops: ffi::file_operations = unsafe { core::mem::zeroed() };
    fops.owner = this_module();
    fops.fop_flags = real.fop_flags;
    fops.llseek = real.llseek.and(Some(llseek as _));
    fops.read = real.read.and(Some(read as _));
    fops.write = real.write.and(Some(write as _));
    fops.read_iter = real.read_iter.and(Some(read_iter as _));
    fops.write_iter = real.write_iter.and(Some(write_iter as _));
    fops.poll = Some(poll_proxy);
    fops.unlocked_ioctl = Some(ioctl);
    fops.compat_ioctl = real.compat_ioctl.and(Some(compat_ioctl as _));
    fops.mmap = real.mmap.and(Some(mmap as _));
    fops.flush = real.flush.and(Some(flush as _));
    fops.release = Some(release);
    fops.fsync = real.fsync.and(Some(fsync as _));
    fops.fasync = real.fasync.and(Some(fasync as _));
    fops.get_unmapped_area = real.get_unmapped_area.and(Some(get_unmapped_area as _));
    fops.splice_read = real.splice_read.and(Some(splice_read as _));
    fops.splice_write = real.splice_write.and(Some(splice_write as _));
    fops.splice_eof = real.splice_eof.and(Some(splice_eof as _));
    fops.show_fdinfo = real.show_fdinfo.and(Some(show_fdinfo as _));
    fops
}

/// The proxy of `file`.
///
/// # Safety
///
/// `file` is an open file whose `f_op` is a proxy table (the callbacks
/// below are installed only there), valid for `'a`.
unsafe fn proxy<'a>(file: *mut ffi::file) -> &'a Proxy {
    // SAFETY: `f_op` points at the first field of a live `Proxy`
    // (type invariant), which `repr(C)` places at its start.
    unsafe { &*(*file).f_op.cast::<Proxy>() }
}

/// The driver's table of `file`, or `ENODEV` once its node is removed.
///
/// # Safety
///
/// As for [`proxy`].
unsafe fn live<'a>(file: *mut ffi::file) -> Result<&'a ffi::file_operations> {
    // SAFETY: guaranteed by the caller.
    let proxy = unsafe { proxy::<'a>(file) };
    if proxy.target.is_revoked() {
        return Err(ENODEV);
    }
    // SAFETY: `real` is pinned by the proxy's reference (type invariant).
    Ok(unsafe { &*proxy.real })
}

/// `-errno` as the signed integer a file operation returns.
fn neg<T: From<i16>>(e: Error) -> T {
    // CAST: errnos are below 4096 and fit an i16.
    T::from(e.to_errno() as i16)
}

/// Forwards to `op` of the live driver table of `file`.
macro_rules! forward {
    ($file:expr, $op:ident, |$f:ident| $call:expr) => {
        // SAFETY: the VFS calls a proxy callback only with an open file
        // whose `f_op` is the proxy table holding it.
        match unsafe { live($file) } {
            // Present: the proxy table has this forwarder only then.
            Ok(real) => match real.$op {
                // SAFETY: the driver's own callback, called as the VFS
                // would have called it, with the same arguments.
                Some($f) => unsafe { $call },
                None => neg(EINVAL),
            },
            Err(e) => neg(e),
        }
    };
}

/// The proxy's `llseek`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn llseek(file: *mut ffi::file, offset: i64, whence: c_int) -> i64 {
    forward!(file, llseek, |f| f(file, offset, whence))
}

/// The proxy's `read`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn read(file: *mut ffi::file, buf: *mut u8, len: usize, pos: *mut i64) -> isize {
    forward!(file, read, |f| f(file, buf, len, pos))
}

/// The proxy's `write`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn write(
    file: *mut ffi::file,
    buf: *const u8,
    len: usize,
    pos: *mut i64,
) -> isize {
    forward!(file, write, |f| f(file, buf, len, pos))
}

/// The proxy's `read_iter`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn read_iter(iocb: *mut ffi::kiocb, iter: *mut ffi::iov_iter) -> isize {
    // SAFETY: the VFS passes a live kiocb of an open file.
    let file = unsafe { (*iocb).ki_filp };
    forward!(file, read_iter, |f| f(iocb, iter))
}

/// The proxy's `write_iter`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn write_iter(iocb: *mut ffi::kiocb, iter: *mut ffi::iov_iter) -> isize {
    // SAFETY: the VFS passes a live kiocb of an open file.
    let file = unsafe { (*iocb).ki_filp };
    forward!(file, write_iter, |f| f(iocb, iter))
}

/// `DEFAULT_POLLMASK` of include/linux/poll.h: what vfs_poll() reports for
/// a driver without poll.
const DEFAULT_POLLMASK: u32 = poll::IN | poll::OUT | poll::RDNORM | poll::WRNORM;

/// The proxy's `poll_proxy`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn poll_proxy(file: *mut ffi::file, table: *mut ffi::poll_table_struct) -> u32 {
    // SAFETY: the VFS calls this with an open file whose `f_op` is a proxy.
    let proxy = unsafe { proxy(file) };
    // Registered before the check, so that a revocation in between still
    // wakes this poller, which then sees it.
    // SAFETY: both come from this call of the VFS, which they outlive not.
    let (file_ref, table_ref) = unsafe { (File::from_raw(file), PollTable::from_raw(table)) };
    proxy.target.poll_wait(&file_ref, &table_ref);
    if proxy.target.is_revoked() {
        return poll::ERR | poll::HUP;
    }
    // SAFETY: pinned by the proxy's reference (type invariant).
    match unsafe { (*proxy.real).poll } {
        // SAFETY: the driver's own callback, with the VFS's arguments.
        Some(f) => unsafe { f(file, table) },
        None => DEFAULT_POLLMASK,
    }
}

/// The proxy's `ioctl`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn ioctl(file: *mut ffi::file, cmd: c_uint, arg: usize) -> isize {
    // SAFETY: the VFS calls this with an open file whose `f_op` is a proxy.
    match unsafe { live(file) } {
        Ok(real) => match real.unlocked_ioctl {
            // SAFETY: the driver's own callback, with the VFS's arguments.
            Some(f) => unsafe { f(file, cmd, arg) },
            // What vfs_ioctl() answers for a driver without ioctl.
            None => neg(ENOTTY),
        },
        Err(e) => neg(e),
    }
}

/// The proxy's `compat_ioctl`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn compat_ioctl(file: *mut ffi::file, cmd: c_uint, arg: usize) -> isize {
    forward!(file, compat_ioctl, |f| f(file, cmd, arg))
}

/// The proxy's `mmap`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn mmap(file: *mut ffi::file, vma: *mut ffi::vm_area_struct) -> c_int {
    forward!(file, mmap, |f| f(file, vma))
}

/// A removed node's files close without the driver's flush: close(2)
/// still succeeds, and release does the driver's tearing down.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn flush(file: *mut ffi::file, id: ffi::fl_owner_t) -> c_int {
    // SAFETY: the VFS calls this with an open file whose `f_op` is a proxy.
    match unsafe { live(file) } {
        Ok(real) => match real.flush {
            // SAFETY: the driver's own callback, with the VFS's arguments.
            Some(f) => unsafe { f(file, id) },
            None => 0,
        },
        Err(_) => 0,
    }
}

/// The proxy's `fsync`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn fsync(file: *mut ffi::file, start: i64, end: i64, datasync: c_int) -> c_int {
    forward!(file, fsync, |f| f(file, start, end, datasync))
}

/// Turning FASYNC off always reaches the driver, revoked or not: __fput()
/// does so before release, and the driver must unlink the file from its
/// list.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn fasync(fd: c_int, file: *mut ffi::file, on: c_int) -> c_int {
    // SAFETY: the VFS calls this with an open file whose `f_op` is a proxy.
    let proxy = unsafe { proxy(file) };
    if on != 0 && proxy.target.is_revoked() {
        return neg(ENODEV);
    }
    // SAFETY: pinned by the proxy's reference (type invariant).
    match unsafe { (*proxy.real).fasync } {
        // SAFETY: the driver's own callback, with the VFS's arguments.
        Some(f) => unsafe { f(fd, file, on) },
        None => 0,
    }
}

/// The proxy's `get_unmapped_area`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn get_unmapped_area(
    file: *mut ffi::file,
    addr: usize,
    len: usize,
    pgoff: usize,
    flags: usize,
) -> usize {
    // SAFETY: the VFS calls this with an open file whose `f_op` is a proxy.
    match unsafe { live(file) } {
        Ok(real) => match real.get_unmapped_area {
            // SAFETY: the driver's own callback, with the VFS's arguments.
            Some(f) => unsafe { f(file, addr, len, pgoff, flags) },
            None => errno_ulong(EINVAL),
        },
        Err(e) => errno_ulong(e),
    }
}

/// An error as get_unmapped_area() returns one (IS_ERR_VALUE).
fn errno_ulong(e: Error) -> usize {
    // CAST: a negative errno, sign-extended, as C converts it.
    e.to_errno() as isize as usize
}

/// The proxy's `splice_read`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn splice_read(
    file: *mut ffi::file,
    pos: *mut i64,
    pipe: *mut ffi::pipe_inode_info,
    len: usize,
    flags: c_uint,
) -> isize {
    forward!(file, splice_read, |f| f(file, pos, pipe, len, flags))
}

/// The proxy's `splice_write`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn splice_write(
    pipe: *mut ffi::pipe_inode_info,
    file: *mut ffi::file,
    pos: *mut i64,
    len: usize,
    flags: c_uint,
) -> isize {
    forward!(file, splice_write, |f| f(pipe, file, pos, len, flags))
}

/// The proxy's `splice_eof`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn splice_eof(file: *mut ffi::file) {
    // SAFETY: the VFS calls this with an open file whose `f_op` is a proxy.
    if let Ok(real) = unsafe { live(file) } {
        if let Some(f) = real.splice_eof {
            // SAFETY: the driver's own callback, with the VFS's arguments.
            unsafe { f(file) };
        }
    }
}

/// The proxy's `show_fdinfo`.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn show_fdinfo(m: *mut ffi::seq_file, file: *mut ffi::file) {
    // SAFETY: the VFS calls this with an open file whose `f_op` is a proxy.
    if let Ok(real) = unsafe { live(file) } {
        if let Some(f) = real.show_fdinfo {
            // SAFETY: the driver's own callback, with the VFS's arguments.
            unsafe { f(m, file) };
        }
    }
}

/// The last close: the driver's release always runs, revoked or not.
///
/// # Safety
///
/// Called by the VFS with an open file whose `f_op` is a proxy table.
unsafe extern "C" fn release(inode: *mut ffi::inode, file: *mut ffi::file) -> c_int {
    // SAFETY: __fput() calls this once, with the open file whose `f_op` is
    // the proxy made for it; nothing else uses the file any more.
    let proxy = unsafe { KBox::from_raw((*file).f_op.cast_mut().cast::<Proxy>()) };
    let real = proxy.real;
    // SAFETY: pinned by the proxy's reference (type invariant).
    let ret = match unsafe { (*real).release } {
        // SAFETY: the driver's own callback, with the VFS's arguments.
        Some(f) => unsafe { f(inode, file) },
        None => 0,
    };
    // The proxy's module reference passes to the stub, which __fput()'s
    // fops_put() drops after we have returned.
    // SAFETY: the file is ours alone during release.
    unsafe { (*file).f_op = &RELEASED };
    drop(proxy);
    // fops_put(real): the driver's reference the proxy owned.
    // SAFETY: `real` is still pinned by that reference, dropped here.
    unsafe { ffi::module_put((*real).owner) };
    ret
}
