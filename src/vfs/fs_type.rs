// SPDX-License-Identifier: GPL-2.0

//! Filesystem type registration and the `fs_context` entry points.

use super::super_block;
use crate::ffi;
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{error::to_result, prelude::*, types::Opaque};

/// A filesystem implemented in Rust.
pub(crate) trait FileSystem: Sized + 'static {
    /// The name `mount -t` and /proc/filesystems know it by.
    const NAME: &'static CStr;
    /// What statfs(2) reports as `f_type`.
    const MAGIC: u32;
}

/// Static storage for a `struct file_system_type`.
///
/// It must be static: the VFS links it into its list and lockdep requires the
/// lock class keys embedded in it to live in static (module) memory.
pub(crate) struct FsTypeSlot {
    fs_type: Opaque<ffi::file_system_type>,
    registered: AtomicBool,
}

// SAFETY: `fs_type` is written only by `Registration::register` while
// `registered` guarantees no registration uses it; afterwards only the VFS
// touches it, under its own locks.
unsafe impl Sync for FsTypeSlot {}

impl FsTypeSlot {
    /// An unused slot.
    pub(crate) const fn new() -> Self {
        Self {
            fs_type: Opaque::uninit(),
            registered: AtomicBool::new(false),
        }
    }
}

/// A registered filesystem type; unregistered on drop.
///
/// # Invariants
///
/// `slot.fs_type` is initialised and registered with the VFS, and `slot` is
/// used by no other `Registration`.
pub(crate) struct Registration<T: FileSystem> {
    slot: &'static FsTypeSlot,
    _fs: PhantomData<T>,
}

impl<T: FileSystem> Registration<T> {
    /// Registers `T` in `slot`, owned by `module`.
    ///
    /// Fails with `EBUSY` if `slot` is already in use.
    pub(crate) fn register(slot: &'static FsTypeSlot, module: &'static ThisModule) -> Result<Self> {
        if slot.registered.swap(true, Ordering::Acquire) {
            return Err(EBUSY);
        }
        let fs_type = slot.fs_type.get();
        // SAFETY: `registered` was false, so the VFS does not know `fs_type`
        // and nobody else writes it. An all-zero `file_system_type` is valid
        // (null pointers, `None` callbacks, empty list head, zeroed keys).
        unsafe {
            fs_type.write_bytes(0, 1);
            (*fs_type).name = T::NAME.as_char_ptr();
            (*fs_type).fs_flags = ffi::FS_USERNS_MOUNT as i32;
            (*fs_type).init_fs_context = Some(init_fs_context::<T>);
            (*fs_type).kill_sb = Some(super_block::kill_sb);
            (*fs_type).owner = module.as_ptr();
        }
        // SAFETY: `fs_type` is initialised and lives in static storage.
        if let Err(e) = to_result(unsafe { ffi::register_filesystem(fs_type) }) {
            slot.registered.store(false, Ordering::Release);
            return Err(e);
        }
        // INVARIANT: registered just above; `registered` excludes other users.
        Ok(Self {
            slot,
            _fs: PhantomData,
        })
    }
}

impl<T: FileSystem> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered by `register` (type invariant). The VFS holds a
        // module reference for every superblock, so none is left when the
        // module's exit path drops this.
        unsafe { ffi::unregister_filesystem(self.slot.fs_type.get()) };
        self.slot.registered.store(false, Ordering::Release);
    }
}

/// `file_system_type.init_fs_context`: installs the context operations.
///
/// # Safety
///
/// Called by the VFS with a valid `fs_context` of a `T` filesystem.
unsafe extern "C" fn init_fs_context<T: FileSystem>(fc: *mut kernel::bindings::fs_context) -> i32 {
    let fc = fc.cast::<ffi::fs_context>();
    // SAFETY: `fc` is valid and not yet shared (function contract); the
    // operations table is a promoted constant and lives forever.
    unsafe { (*fc).ops = &ContextOps::<T>::OPS };
    0
}

struct ContextOps<T>(PhantomData<T>);

impl<T: FileSystem> ContextOps<T> {
    const OPS: ffi::fs_context_operations = ffi::fs_context_operations {
        free: None,
        dup: None,
        parse_param: None,
        parse_monolithic: None,
        get_tree: Some(get_tree::<T>),
        reconfigure: None,
    };
}

/// `fs_context_operations.get_tree`: every mount gets a new superblock.
///
/// # Safety
///
/// Called by the VFS with a valid `fs_context` of a `T` filesystem.
unsafe extern "C" fn get_tree<T: FileSystem>(fc: *mut ffi::fs_context) -> i32 {
    // SAFETY: `fc` is valid (function contract); `fill_super::<T>` matches
    // the callback type `get_tree_nodev` expects.
    unsafe { ffi::get_tree_nodev(fc, Some(super_block::fill_super::<T>)) }
}
