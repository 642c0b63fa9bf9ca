// SPDX-License-Identifier: GPL-2.0

//! Opening a host driver through a devnsfs node, and the proxy that makes
//! such a file revocable.
//!
//! A pass-through node is a character device inode whose `i_rdev` is the
//! host device's number and whose `i_fop` is devnsfs's own. Its open calls
//! the kernel's `chrdev_open()` (`def_chr_fops.open`) on the node, exactly
//! as opening the host's node would: the cdev is found by `i_rdev`, the
//! driver's table replaces devnsfs's in `f_op` (with a reference on the
//! driver's module) and the driver's open runs. Then, for a proxied file,
//! devnsfs puts in `f_op` a table that mirrors which operations the driver
//! has and checks, before forwarding each call, that the node has not been
//! removed (the model is fs/debugfs/file.c's "full proxy").
//!
//! The table belongs to the device, not to the file, and the forwarders
//! find it (and the driver's table) through the file's inode, never
//! through `f_op`: a driver may swap `f_op` of open files behind the proxy
//! (ALSA does on disconnect, keeping our table to call its release), so
//! `f_op` is not ours to read back.
//!
//! Module references, for rmmod in any order:
//! - do_dentry_open() holds one on devnsfs (the node's `i_fop->owner`);
//!   `open_host` takes a second one before chrdev_open()'s replace_fops()
//!   drops the first. The proxy table's owner is devnsfs and the second
//!   reference is the file's `f_op` reference from then on: __fput() (or a
//!   driver that swapped `f_op`, such as ALSA) drops it after our release.
//! - The driver's reference that chrdev_open() took is dropped by the
//!   proxy's release, after the driver's release.
//! - Besides, an open file pins its inode (so the device and its tables)
//!   and its mount, so the superblock and devnsfs (sget_fc() takes
//!   get_filesystem()): code and tables here never go while a file is open.

use super::{file::Resolve, poll, File, PollTable, MINOR_BITS};
use crate::ffi;
use core::{
    ffi::{c_int, c_uint},
    ptr::{addr_of_mut, null_mut},
    sync::atomic::{AtomicPtr, AtomicUsize, Ordering},
};
use kernel::{error::to_result, new_mutex, prelude::*, sync::Mutex};

/// What a proxied file checks before each call: the state of the device
/// behind its node.
pub(crate) trait Revocable: Send + Sync {
    /// Whether the node has been removed: calls from now on fail.
    fn is_revoked(&self) -> bool;
    /// Registers a poll(2), select(2) or epoll call on a wait queue that
    /// the revocation wakes, so that pollers see `POLLERR | POLLHUP`.
    fn poll_wait(&self, file: &File, table: &PollTable);
}

/// The object behind a node, as the proxy sees it.
pub(crate) trait ProxyTarget: Send + Sync + 'static {
    /// The pass-through state of the device, if it is a pass-through one.
    fn passthrough(&self) -> Option<(&dyn Revocable, &ProxySlot)>;
}

/// How the file opened through a pass-through node is handed out.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forwarding {
    /// Behind the proxy: revocable.
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
/// The minor bits of a `dev_t`.
const MINOR_MASK: u32 = (1 << MINOR_BITS) - 1;

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

/// A proxy table: the forwarders for one driver table.
///
/// # Invariants
///
/// `real` is a driver's `file_operations` after its open; every open
/// proxied file whose `f_op` is (or was, before a driver swapped it)
/// `&fops` holds a reference on `real->owner`, so `real` lives while any
/// does. `retired` are earlier tables of the device, kept because files
/// that used them may still be in __fput(), between our release and its
/// fops_put().
struct ProxyTable {
    fops: ffi::file_operations,
    real: *const ffi::file_operations,
    retired: Option<KBox<ProxyTable>>,
}

/// The proxy of one pass-through device.
///
/// # Invariants
///
/// `current` and `spare` are null or tables made by `KBox::into_raw`,
/// owned by the slot; while `open_files` is not zero `current` is the
/// table of every open proxied file and does not change.
#[pin_data(PinnedDrop)]
pub(crate) struct ProxySlot {
    current: AtomicPtr<ProxyTable>,
    /// Open proxied files (counted from their open to their release).
    open_files: AtomicUsize,
    /// Serialises installing a table (opens; not the calls).
    #[pin]
    install: Mutex<()>,
    /// A blank table for the next open that may need one, so that opening
    /// and closing in a loop allocates nothing; null or from
    /// `KBox::into_raw`, owned by the slot.
    spare: AtomicPtr<ProxyTable>,
}

// SAFETY: the tables are immutable once installed and point at static
// driver tables; `current` and `open_files` are atomics.
unsafe impl Send for ProxySlot {}
// SAFETY: as above.
unsafe impl Sync for ProxySlot {}

impl ProxySlot {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            current: AtomicPtr::new(null_mut()),
            open_files: AtomicUsize::new(0),
            install <- new_mutex!((), "ProxySlot::install"),
            spare: AtomicPtr::new(null_mut()),
        })
    }

    /// The table of an open proxied file of this device.
    fn table(&self) -> Option<&ProxyTable> {
        let table = self.current.load(Ordering::Acquire);
        // SAFETY: non-null, it is owned by the slot and, while a proxied
        // file is open (the callers' case), fixed (type invariant).
        (!table.is_null()).then(|| unsafe { &*table })
    }

    /// A blank table: the spare kept from an earlier open, or a new one.
    fn take_spare(&self) -> Result<KBox<ProxyTable>> {
        let spare = self.spare.swap(null_mut(), Ordering::AcqRel);
        if !spare.is_null() {
            // SAFETY: the slot's spare came from `KBox::into_raw` and was
            // just taken out of the slot, so it is ours alone.
            return Ok(unsafe { KBox::from_raw(spare) });
        }
        Ok(KBox::new(
            ProxyTable {
                // SAFETY: an all-zero `file_operations` is valid.
                fops: unsafe { core::mem::zeroed() },
                real: core::ptr::null(),
                retired: None,
            },
            GFP_KERNEL_ACCOUNT,
        )?)
    }

    /// Keeps an unused blank table for the next open (or frees it).
    fn keep_spare(&self, spare: Option<KBox<ProxyTable>>) {
        let Some(spare) = spare else {
            return;
        };
        let spare = KBox::into_raw(spare);
        if self
            .spare
            .compare_exchange(null_mut(), spare, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            // SAFETY: not stored: still ours alone.
            drop(unsafe { KBox::from_raw(spare) });
        }
    }

    /// Makes the table for driver table `real` of device `devt` the
    /// device's, if the file may be proxied: the current table if it is
    /// for `real`; else, unless `devt` is a tty, `spare`, which retires
    /// the current table if no proxied file uses it. Otherwise the file
    /// stays the driver's (`Direct`): a tty, or a driver that hands out
    /// two tables for one number at once.
    fn install<R: Resolve>(
        &self,
        real: *const ffi::file_operations,
        devt: u32,
        spare: Option<KBox<ProxyTable>>,
    ) -> Installed
    where
        R::Target: ProxyTarget,
    {
        let _guard = self.install.lock();
        let current = self.current.load(Ordering::Acquire);
        // SAFETY: owned by the slot (type invariant); not freed while we
        // hold the install lock.
        if !current.is_null() && unsafe { (*current).real } == real {
            self.keep_spare(spare);
            self.open_files.fetch_add(1, Ordering::AcqRel);
            // SAFETY: as above.
            return Installed::Proxied(unsafe { addr_of_mut!((*current).fops) });
        }
        // A driver table not seen yet: is it one that swaps `f_op` of open
        // files? (Once a table is known not to be, its later files skip
        // the tty_mutex.)
        let major = devt >> MINOR_BITS;
        // SAFETY: looks the number up among the tty drivers.
        if SWAPS_F_OP.contains(&major) || unsafe { ffi::devnsfs_is_tty(major, devt & MINOR_MASK) } {
            self.keep_spare(spare);
            return Installed::Direct { warn: false };
        }
        let Some(mut table) =
            spare.filter(|_| current.is_null() || self.open_files.load(Ordering::Acquire) == 0)
        else {
            return Installed::Direct { warn: true };
        };
        // SAFETY: `real` is the driver's live table, pinned by the
        // reference of the file being opened.
        table.fops = mirror::<R>(unsafe { &*real });
        table.real = real;
        // SAFETY: a non-null `current` came from `KBox::into_raw` and is
        // owned by the slot, which hands it to the new table.
        table.retired = (!current.is_null()).then(|| unsafe { KBox::from_raw(current) });
        let table = KBox::into_raw(table);
        // INVARIANT: a table from `KBox::into_raw`, now the slot's; no
        // proxied file was open, and the new one counts from here.
        self.current.store(table, Ordering::Release);
        self.open_files.fetch_add(1, Ordering::AcqRel);
        // SAFETY: just made.
        Installed::Proxied(unsafe { addr_of_mut!((*table).fops) })
    }
}

/// Majors whose drivers swap `f_op` of open files (as the tty layer does on
/// hangup, which `devnsfs_is_tty` catches): ALSA's card disconnect
/// (sound/core/init.c) for its own (116) and OSS emulation (14) files. A
/// swap between a driver's open and the proxy's install would be lost. In
/// 6.12 no other driver assigns `f_op` after its open.
const SWAPS_F_OP: [u32; 2] = [14, 116];

/// What `ProxySlot::install` decided for a file.
enum Installed {
    /// Proxied: its `f_op` becomes this table.
    Proxied(*const ffi::file_operations),
    /// Left as the driver's own file; `warn` if a proxy was wanted.
    Direct { warn: bool },
}

#[pinned_drop]
impl PinnedDrop for ProxySlot {
    fn drop(self: Pin<&mut Self>) {
        for table in [
            self.current.load(Ordering::Acquire),
            self.spare.load(Ordering::Acquire),
        ] {
            if !table.is_null() {
                // SAFETY: owned by the slot (type invariants); the device
                // goes after its last file, so nothing uses them any more.
                drop(unsafe { KBox::from_raw(table) });
            }
        }
    }
}

/// Opens the host device of `file`'s node (its `i_rdev`), from within the
/// node's own open, and forwards the file as `forwarding` says, through
/// `slot`, the proxy of the device behind the node (`R` finds it).
pub(crate) fn open_host<R: Resolve>(file: &File, forwarding: Forwarding, slot: &ProxySlot) -> Result
where
    R::Target: ProxyTarget,
{
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
    // Taken first, when a table may have to be made: nothing may fail
    // once the driver is open. With a proxied file open, the driver (held
    // by it) cannot have been replaced, so the current table will do.
    let spare = if slot.table().is_none() || slot.open_files.load(Ordering::Acquire) == 0 {
        Some(slot.take_spare()?)
    } else {
        None
    };
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
    // SAFETY: the inode being opened is live; its number never changes.
    let devt = unsafe { (*inode).i_rdev };
    match slot.install::<R>(real, devt, spare) {
        Installed::Proxied(fops) => {
            // INVARIANT: the file counts in `open_files`; its `f_op`
            // reference is our second module reference, and the driver's
            // reference is dropped by the proxy's release.
            // SAFETY: the file is not yet visible to anyone else.
            unsafe { (*raw).f_op = fops };
        }
        Installed::Direct { warn } => {
            if warn {
                pr_warn!("a driver gave two tables for one device number: file not revocable\n");
            }
            // Left as the driver's own file, which __fput() balances.
            // SAFETY: taken above; the mount still pins the module.
            unsafe { ffi::module_put(this_module()) };
        }
    }
    Ok(())
}

fn this_module() -> *mut ffi::module {
    addr_of_mut!(ffi::__this_module)
}

/// A table with a forwarder for every operation `real` has (and always
/// poll, ioctl and release, so that a removed node can say so).
fn mirror<R: Resolve>(real: &ffi::file_operations) -> ffi::file_operations
where
    R::Target: ProxyTarget,
{
    // SAFETY: an all-zero `file_operations` is valid: no callbacks.
    let mut fops: ffi::file_operations = unsafe { core::mem::zeroed() };
    fops.owner = this_module();
    fops.fop_flags = real.fop_flags;
    fops.llseek = real.llseek.and(Some(llseek::<R> as _));
    fops.read = real.read.and(Some(read::<R> as _));
    fops.write = real.write.and(Some(write::<R> as _));
    fops.read_iter = real.read_iter.and(Some(read_iter::<R> as _));
    fops.write_iter = real.write_iter.and(Some(write_iter::<R> as _));
    fops.poll = Some(poll_proxy::<R>);
    fops.unlocked_ioctl = Some(ioctl::<R>);
    fops.compat_ioctl = real.compat_ioctl.and(Some(compat_ioctl::<R> as _));
    fops.mmap = real.mmap.and(Some(mmap::<R> as _));
    fops.flush = real.flush.and(Some(flush::<R> as _));
    fops.release = Some(release::<R>);
    fops.fsync = real.fsync.and(Some(fsync::<R> as _));
    fops.fasync = real.fasync.and(Some(fasync::<R> as _));
    fops.get_unmapped_area = real
        .get_unmapped_area
        .and(Some(get_unmapped_area::<R> as _));
    fops.splice_read = real.splice_read.and(Some(splice_read::<R> as _));
    fops.splice_write = real.splice_write.and(Some(splice_write::<R> as _));
    fops.splice_eof = real.splice_eof.and(Some(splice_eof::<R> as _));
    fops.show_fdinfo = real.show_fdinfo.and(Some(show_fdinfo::<R> as _));
    fops
}

/// The device's revocation state and proxy table, for an open proxied
/// file of it.
///
/// # Safety
///
/// `file` is an open file of a node of kind `R` that `open_host` proxied,
/// valid for `'a` (a callback of the file's table is running).
unsafe fn parts<'a, R: Resolve>(file: *mut ffi::file) -> Option<(&'a dyn Revocable, &'a ProxyTable)>
where
    R::Target: ProxyTarget,
{
    // SAFETY: an open file's `f_inode` is its live inode, of kind `R`.
    let target = unsafe { R::resolve((*file).f_inode) };
    // Always `Some` for a proxied file: its device is a pass-through one,
    // with a table while the file counts in `open_files`.
    let (revocable, slot) = target.passthrough()?;
    Some((revocable, slot.table()?))
}

/// The driver's table of `file`, or `ENODEV` once its node is removed.
///
/// # Safety
///
/// As for [`parts`].
unsafe fn live<'a, R: Resolve>(file: *mut ffi::file) -> Result<&'a ffi::file_operations>
where
    R::Target: ProxyTarget,
{
    // SAFETY: guaranteed by the caller.
    let (revocable, table) = unsafe { parts::<R>(file) }.ok_or(ENODEV)?;
    if revocable.is_revoked() {
        return Err(ENODEV);
    }
    // SAFETY: `real` is pinned by the file's driver reference (type
    // invariant of `ProxyTable`).
    Ok(unsafe { &*table.real })
}

/// `-errno` as the signed integer a file operation returns.
fn neg<T: From<i16>>(e: Error) -> T {
    // CAST: errnos are below 4096 and fit an i16.
    T::from(e.to_errno() as i16)
}

/// Forwards to `op` of the live driver table of `file`.
macro_rules! forward {
    ($file:expr, $op:ident, |$f:ident| $call:expr) => {
        // SAFETY: the forwarders are installed only in proxy tables, so
        // the VFS calls them only with an open file that open_host proxied.
        match unsafe { live::<R>($file) } {
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
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn llseek<R: Resolve>(file: *mut ffi::file, offset: i64, whence: c_int) -> i64
where
    R::Target: ProxyTarget,
{
    forward!(file, llseek, |f| f(file, offset, whence))
}

/// The proxy's `read`.
///
/// # Safety
///
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn read<R: Resolve>(
    file: *mut ffi::file,
    buf: *mut u8,
    len: usize,
    pos: *mut i64,
) -> isize
where
    R::Target: ProxyTarget,
{
    forward!(file, read, |f| f(file, buf, len, pos))
}

/// The proxy's `write`.
///
/// # Safety
///
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn write<R: Resolve>(
    file: *mut ffi::file,
    buf: *const u8,
    len: usize,
    pos: *mut i64,
) -> isize
where
    R::Target: ProxyTarget,
{
    forward!(file, write, |f| f(file, buf, len, pos))
}

/// The proxy's `read_iter`.
///
/// # Safety
///
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn read_iter<R: Resolve>(iocb: *mut ffi::kiocb, iter: *mut ffi::iov_iter) -> isize
where
    R::Target: ProxyTarget,
{
    // SAFETY: the VFS passes a live kiocb of an open file.
    let file = unsafe { (*iocb).ki_filp };
    forward!(file, read_iter, |f| f(iocb, iter))
}

/// The proxy's `write_iter`.
///
/// # Safety
///
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn write_iter<R: Resolve>(
    iocb: *mut ffi::kiocb,
    iter: *mut ffi::iov_iter,
) -> isize
where
    R::Target: ProxyTarget,
{
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
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn poll_proxy<R: Resolve>(
    file: *mut ffi::file,
    table: *mut ffi::poll_table_struct,
) -> u32
where
    R::Target: ProxyTarget,
{
    // SAFETY: the VFS calls this with an open file that open_host proxied.
    let Some((revocable, proxy)) = (unsafe { parts::<R>(file) }) else {
        return poll::ERR | poll::HUP;
    };
    // Registered before the check, so that a revocation in between still
    // wakes this poller, which then sees it.
    // SAFETY: both come from this call of the VFS and live on its stack.
    let (file_ref, table_ref) = unsafe { (File::from_raw(file), PollTable::from_raw(table)) };
    revocable.poll_wait(&file_ref, &table_ref);
    if revocable.is_revoked() {
        return poll::ERR | poll::HUP;
    }
    // SAFETY: pinned by the file's driver reference (type invariant).
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
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn ioctl<R: Resolve>(file: *mut ffi::file, cmd: c_uint, arg: usize) -> isize
where
    R::Target: ProxyTarget,
{
    // SAFETY: the VFS calls this with an open file that open_host proxied.
    match unsafe { live::<R>(file) } {
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
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn compat_ioctl<R: Resolve>(
    file: *mut ffi::file,
    cmd: c_uint,
    arg: usize,
) -> isize
where
    R::Target: ProxyTarget,
{
    forward!(file, compat_ioctl, |f| f(file, cmd, arg))
}

/// The proxy's `mmap`.
///
/// # Safety
///
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn mmap<R: Resolve>(file: *mut ffi::file, vma: *mut ffi::vm_area_struct) -> c_int
where
    R::Target: ProxyTarget,
{
    forward!(file, mmap, |f| f(file, vma))
}

/// A removed node's files close without the driver's flush: close(2)
/// still succeeds, and release does the driver's tearing down.
///
/// # Safety
///
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn flush<R: Resolve>(file: *mut ffi::file, id: ffi::fl_owner_t) -> c_int
where
    R::Target: ProxyTarget,
{
    // SAFETY: the VFS calls this with an open file that open_host proxied.
    match unsafe { live::<R>(file) } {
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
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn fsync<R: Resolve>(
    file: *mut ffi::file,
    start: i64,
    end: i64,
    datasync: c_int,
) -> c_int
where
    R::Target: ProxyTarget,
{
    forward!(file, fsync, |f| f(file, start, end, datasync))
}

/// Turning FASYNC off always reaches the driver, revoked or not: __fput()
/// does so before release, and the driver must unlink the file from its
/// list.
///
/// # Safety
///
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn fasync<R: Resolve>(fd: c_int, file: *mut ffi::file, on: c_int) -> c_int
where
    R::Target: ProxyTarget,
{
    // SAFETY: the VFS calls this with an open file that open_host proxied.
    let Some((revocable, proxy)) = (unsafe { parts::<R>(file) }) else {
        return neg(ENODEV);
    };
    if on != 0 && revocable.is_revoked() {
        return neg(ENODEV);
    }
    // SAFETY: pinned by the file's driver reference (type invariant).
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
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn get_unmapped_area<R: Resolve>(
    file: *mut ffi::file,
    addr: usize,
    len: usize,
    pgoff: usize,
    flags: usize,
) -> usize
where
    R::Target: ProxyTarget,
{
    // SAFETY: the VFS calls this with an open file that open_host proxied.
    match unsafe { live::<R>(file) } {
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
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn splice_read<R: Resolve>(
    file: *mut ffi::file,
    pos: *mut i64,
    pipe: *mut ffi::pipe_inode_info,
    len: usize,
    flags: c_uint,
) -> isize
where
    R::Target: ProxyTarget,
{
    forward!(file, splice_read, |f| f(file, pos, pipe, len, flags))
}

/// The proxy's `splice_write`.
///
/// # Safety
///
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn splice_write<R: Resolve>(
    pipe: *mut ffi::pipe_inode_info,
    file: *mut ffi::file,
    pos: *mut i64,
    len: usize,
    flags: c_uint,
) -> isize
where
    R::Target: ProxyTarget,
{
    forward!(file, splice_write, |f| f(pipe, file, pos, len, flags))
}

/// The proxy's `splice_eof`.
///
/// # Safety
///
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn splice_eof<R: Resolve>(file: *mut ffi::file)
where
    R::Target: ProxyTarget,
{
    // SAFETY: the VFS calls this with an open file that open_host proxied.
    if let Ok(real) = unsafe { live::<R>(file) } {
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
/// Called by the VFS with an open file that `open_host` proxied.
unsafe extern "C" fn show_fdinfo<R: Resolve>(m: *mut ffi::seq_file, file: *mut ffi::file)
where
    R::Target: ProxyTarget,
{
    // SAFETY: the VFS calls this with an open file that open_host proxied.
    if let Ok(real) = unsafe { live::<R>(file) } {
        if let Some(f) = real.show_fdinfo {
            // SAFETY: the driver's own callback, with the VFS's arguments.
            unsafe { f(m, file) };
        }
    }
}

/// The last close: the driver's release always runs, revoked or not. It
/// may be called with `f_op` no longer ours (ALSA's disconnect swaps it and
/// calls us from its own release), so nothing here reads or writes `f_op`:
/// whoever holds the `f_op` reference drops it.
///
/// # Safety
///
/// Called once per file by __fput() (or by a driver that swapped `f_op`
/// and kept our table) with the open file that open_host proxied.
unsafe extern "C" fn release<R: Resolve>(inode: *mut ffi::inode, file: *mut ffi::file) -> c_int
where
    R::Target: ProxyTarget,
{
    // SAFETY: the inode of the file being released, of kind `R`.
    let target = unsafe { R::resolve(inode) };
    let Some((_, slot)) = target.passthrough() else {
        return 0;
    };
    let Some(table) = slot.table() else {
        return 0;
    };
    let real = table.real;
    // SAFETY: pinned by the file's driver reference (type invariant).
    let ret = match unsafe { (*real).release } {
        // SAFETY: the driver's own callback, with the VFS's arguments.
        Some(f) => unsafe { f(inode, file) },
        None => 0,
    };
    // fops_put(real): the driver reference the file held.
    // SAFETY: `real` is pinned by that reference until here.
    unsafe { ffi::module_put((*real).owner) };
    // From here the table may be retired (it stays allocated).
    slot.open_files.fetch_sub(1, Ordering::AcqRel);
    ret
}
