// SPDX-License-Identifier: GPL-2.0

//! `file_operations` glue: a node's file operations reach a Rust object
//! without a cdev, as binderfs does, so only a node of devnsfs can open it.

use super::{ReadBuf, SuperRef};
use crate::ffi;
use core::marker::PhantomData;
use kernel::{
    error::from_result,
    prelude::*,
    uaccess::{UserSlice, UserSliceReader},
};

/// `FMODE_WRITE` of include/linux/fs.h (a cast macro bindgen cannot see).
const FMODE_WRITE: u32 = 1 << 1;

/// Poll bits of include/uapi/linux/eventpoll.h.
pub(crate) mod poll {
    pub(crate) const IN: u32 = 0x0001;
    pub(crate) const OUT: u32 = 0x0004;
    pub(crate) const ERR: u32 = 0x0008;
    pub(crate) const HUP: u32 = 0x0010;
    pub(crate) const RDNORM: u32 = 0x0040;
    pub(crate) const WRNORM: u32 = 0x0100;
}

/// An open file of a devnsfs node, borrowed for one call.
///
/// # Invariants
///
/// `0` is an open file for as long as the value exists: values are made
/// only by the `file_operations` callbacks below, on their stack, for the
/// duration of one call, and lent out as `&File` (the type is neither
/// `Clone` nor constructible elsewhere).
pub(crate) struct File(*mut ffi::file);

/// `O_NONBLOCK` of include/uapi/asm-generic/fcntl.h.
const O_NONBLOCK: u32 = 0o4000;

/// Capabilities of include/uapi/linux/capability.h.
pub(crate) mod cap {
    pub(crate) const MKNOD: i32 = 27;
    pub(crate) const SYS_RESOURCE: i32 = 24;
    pub(crate) const SYS_TIME: i32 = 25;
}

impl File {
    /// # Safety
    ///
    /// `file` is an open file for as long as the value exists, which a
    /// callback of the VFS (the caller) keeps on its stack.
    pub(super) unsafe fn from_raw(file: *mut ffi::file) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self(file)
    }

    pub(crate) fn as_ptr(&self) -> *mut ffi::file {
        self.0
    }

    /// The superblock of the file's instance, pinned by the open file.
    pub(crate) fn super_block(&self) -> SuperRef<'_> {
        // SAFETY: an open file (type invariant) pins its inode and the
        // inode its superblock, which has a root; the borrow ends before
        // the file can be released.
        unsafe { SuperRef::new((*(*self.0).f_inode).i_sb) }
    }

    /// Whether the file was opened with `O_NONBLOCK`.
    pub(crate) fn is_nonblocking(&self) -> bool {
        // SAFETY: `self.0` is valid for the duration of the call.
        unsafe { (*self.0).f_flags & O_NONBLOCK != 0 }
    }

    /// Whether the calling task has `cap` in the user namespace that owns
    /// the file's instance: what a container's root may do to its own
    /// devices and nobody else's.
    pub(crate) fn owner_capable(&self, cap: i32) -> bool {
        // SAFETY: an open file pins its inode, the inode its superblock,
        // and the superblock a reference to `s_user_ns`.
        unsafe { ffi::ns_capable((*(*(*self.0).f_inode).i_sb).s_user_ns, cap) }
    }

    /// Whether the file was opened for writing.
    pub(crate) fn is_writable(&self) -> bool {
        // SAFETY: `self.0` is valid for the duration of the call.
        unsafe { (*self.0).f_mode & FMODE_WRITE != 0 }
    }
}

/// The `poll_table` of one poll(2), select(2) or epoll call. A class that
/// blocks registers its wait queues with it (poll_wait()).
///
/// # Invariants
///
/// `0` is null or the poll table the VFS passed to the `poll` callback
/// that made the value, valid for that call; like [`File`], the value
/// lives on that callback's stack and is only lent out.
pub(crate) struct PollTable(*mut ffi::poll_table_struct);

impl PollTable {
    /// # Safety
    ///
    /// `table` is null or the poll table of the VFS `poll` call that keeps
    /// the value on its stack.
    pub(super) unsafe fn from_raw(table: *mut ffi::poll_table_struct) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self(table)
    }

    /// The raw table; null when the caller only wants the current state.
    pub(crate) fn as_ptr(&self) -> *mut ffi::poll_table_struct {
        self.0
    }
}

/// What a node's open files do. Unimplemented calls fail as the kernel's
/// mem devices do for an operation they lack.
pub(crate) trait FileOps: Send + Sync + 'static {
    fn open(&self, _file: &File) -> Result {
        Ok(())
    }
    fn release(&self, _file: &File) {}
    fn read(&self, _file: &File, _buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        Err(EINVAL)
    }
    fn write(&self, _file: &File, _buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        Err(EINVAL)
    }
    /// Returns the new position; `pos` is the current one.
    fn llseek(&self, _file: &File, _offset: i64, _whence: i32, _pos: i64) -> Result<i64> {
        Err(ESPIPE)
    }
    fn ioctl(&self, _file: &File, _cmd: u32, _arg: usize) -> Result<isize> {
        Err(ENOTTY)
    }
    fn poll(&self, _file: &File, _table: &PollTable) -> u32 {
        poll::IN | poll::RDNORM | poll::OUT | poll::WRNORM
    }
}

/// How a file finds the object behind it.
pub(crate) trait Resolve: 'static {
    type Target: FileOps;
    /// # Safety
    ///
    /// `inode` must be the inode of an open file of this kind; the result
    /// is valid while that file is open.
    unsafe fn resolve<'a>(inode: *mut ffi::inode) -> &'a Self::Target;
}

/// The object is an `Arc<N>` whose reference the inode holds in
/// `i_private` (dropped when the inode is evicted, after the last close).
pub(crate) struct InodePrivate<N>(PhantomData<N>);

impl<N: FileOps> Resolve for InodePrivate<N> {
    type Target = N;
    unsafe fn resolve<'a>(inode: *mut ffi::inode) -> &'a N {
        // SAFETY: the caller passes the inode of an open file; its
        // `i_private` holds an `Arc<N>` until eviction, which cannot happen
        // while a file is open.
        unsafe { &*(*inode).i_private.cast::<N>() }
    }
}

/// The object is the instance in `s_fs_info` (dropped in `kill_sb`, which
/// cannot run while a file of the superblock is open).
pub(crate) struct SuperPrivate<I>(PhantomData<I>);

impl<I: FileOps> Resolve for SuperPrivate<I> {
    type Target = I;
    unsafe fn resolve<'a>(inode: *mut ffi::inode) -> &'a I {
        // SAFETY: as documented on the type; `i_sb` of a live inode is valid.
        unsafe { &*(*(*inode).i_sb).s_fs_info.cast::<I>() }
    }
}

/// The `file_operations` table of a kind of node.
pub(crate) struct Fops<R>(PhantomData<R>);

impl<R: Resolve> Fops<R> {
    pub(crate) const TABLE: ffi::file_operations = {
        // SAFETY: an all-zero `file_operations` is valid: no callbacks.
        let mut fops: ffi::file_operations = unsafe { core::mem::zeroed() };
        fops.owner = core::ptr::addr_of_mut!(ffi::__this_module);
        fops.open = Some(open::<R>);
        fops.release = Some(release::<R>);
        fops.read = Some(read::<R>);
        fops.write = Some(write::<R>);
        fops.llseek = Some(llseek::<R>);
        fops.unlocked_ioctl = Some(ioctl::<R>);
        #[cfg(CONFIG_COMPAT)]
        {
            fops.compat_ioctl = Some(ffi::compat_ptr_ioctl);
        }
        fops.poll = Some(poll::<R>);
        fops
    };
}

/// # Safety
///
/// `file` is a valid open file of a node of kind `R`.
unsafe fn target<'a, R: Resolve>(file: *mut ffi::file) -> &'a R::Target {
    // SAFETY: `f_inode` of an open file is its (live) inode.
    unsafe { R::resolve((*file).f_inode) }
}

/// `file_operations.open`.
///
/// # Safety
///
/// Called by the VFS with an open file (and its inode) of a node of kind `R`.
unsafe extern "C" fn open<R: Resolve>(inode: *mut ffi::inode, file: *mut ffi::file) -> i32 {
    from_result(|| {
        // SAFETY: the VFS passes the inode being opened and its new file.
        let t = unsafe { R::resolve(inode) };
        t.open(&File(file))?;
        Ok(0)
    })
}

/// `file_operations.release`.
///
/// # Safety
///
/// Called by the VFS with an open file (and its inode) of a node of kind `R`.
unsafe extern "C" fn release<R: Resolve>(_inode: *mut ffi::inode, file: *mut ffi::file) -> i32 {
    // SAFETY: the VFS passes a file of this kind at its last close.
    unsafe { target::<R>(file) }.release(&File(file));
    0
}

/// `file_operations.read`.
///
/// # Safety
///
/// Called by the VFS with an open file (and its inode) of a node of kind `R`.
unsafe extern "C" fn read<R: Resolve>(
    file: *mut ffi::file,
    buf: *mut u8,
    len: usize,
    ppos: *mut ffi::loff_t,
) -> isize {
    from_result(|| {
        // CAST: a user address as the integer `UserSlice` takes.
        let mut out = ReadBuf::new(buf as usize, len);
        // SAFETY: the VFS passes an open file and a valid position.
        let (t, pos) = unsafe { (target::<R>(file), &mut *ppos) };
        let done = t.read(&File(file), &mut out, pos)?;
        // At most `len`, which the VFS caps at MAX_RW_COUNT.
        isize::try_from(done).map_err(|_| EINVAL)
    })
}

/// `file_operations.write`.
///
/// # Safety
///
/// Called by the VFS with an open file (and its inode) of a node of kind `R`.
unsafe extern "C" fn write<R: Resolve>(
    file: *mut ffi::file,
    buf: *const u8,
    len: usize,
    ppos: *mut ffi::loff_t,
) -> isize {
    from_result(|| {
        // CAST: a user address as the integer `UserSlice` takes.
        let mut reader = UserSlice::new(buf as usize, len).reader();
        // SAFETY: the VFS passes an open file and a valid position.
        let (t, pos) = unsafe { (target::<R>(file), &mut *ppos) };
        let done = t.write(&File(file), &mut reader, pos)?;
        // At most `len`, which the VFS caps at MAX_RW_COUNT.
        isize::try_from(done).map_err(|_| EINVAL)
    })
}

/// `file_operations.llseek`.
///
/// # Safety
///
/// Called by the VFS with an open file (and its inode) of a node of kind `R`.
unsafe extern "C" fn llseek<R: Resolve>(file: *mut ffi::file, offset: i64, whence: i32) -> i64 {
    from_result(|| {
        // SAFETY: the VFS passes an open file.
        let t = unsafe { target::<R>(file) };
        // SAFETY: as above; `f_pos` belongs to the file.
        let pos = unsafe { (*file).f_pos };
        let new = t.llseek(&File(file), offset, whence, pos)?;
        // SAFETY: as above.
        unsafe { (*file).f_pos = new };
        Ok(new)
    })
}

/// `file_operations.ioctl`.
///
/// # Safety
///
/// Called by the VFS with an open file (and its inode) of a node of kind `R`.
unsafe extern "C" fn ioctl<R: Resolve>(file: *mut ffi::file, cmd: u32, arg: usize) -> isize {
    from_result(|| {
        // SAFETY: the VFS passes an open file.
        unsafe { target::<R>(file) }.ioctl(&File(file), cmd, arg)
    })
}

/// `file_operations.poll`.
///
/// # Safety
///
/// Called by the VFS with an open file (and its inode) of a node of kind `R`.
unsafe extern "C" fn poll<R: Resolve>(
    file: *mut ffi::file,
    table: *mut ffi::poll_table_struct,
) -> u32 {
    // SAFETY: the VFS passes an open file.
    unsafe { target::<R>(file) }.poll(&File(file), &PollTable(table))
}
