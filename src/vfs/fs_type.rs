// SPDX-License-Identifier: GPL-2.0

//! Filesystem type registration and the `fs_context` entry points.

use super::{
    context::{FsContext, ParamSpec, Parsed},
    file::FileOps,
    node::{RootLocked, SuperRef, UnlinkCall},
    super_block,
};
use crate::ffi;
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicBool, AtomicPtr, Ordering},
};
use kernel::{
    error::{from_result, to_result},
    prelude::*,
    sync::Arc,
    types::Opaque,
};

/// A filesystem implemented in Rust, whose mounts are instances.
pub(crate) trait FileSystem: Sized + 'static {
    /// The name `mount -t` and /proc/filesystems know it by.
    const NAME: &'static CStr;
    /// What statfs(2) reports as `f_type`.
    const MAGIC: u32;
    /// The fs_parser table of the mount options, ending with
    /// [`ParamSpec::END`].
    const PARAMS: &'static [ParamSpec];

    /// State shared by every instance, owned by the registration.
    type Globals: Send + Sync;
    /// Mount options being collected for a mount or remount.
    type Options: Default + Send;
    /// One mount: the superblock's private data.
    type Instance: FileOps;
    /// What a device node's inode keeps in `i_private`.
    type Node: FileOps;

    /// Records one parsed option.
    fn parse(fc: &FsContext, opts: &mut Self::Options, param: &Parsed) -> Result;
    /// Sets up a new instance in `sb`, whose root directory exists.
    fn fill_super(
        fc: &FsContext,
        sb: SuperRef<'_>,
        opts: &Self::Options,
        globals: &Arc<Self::Globals>,
    ) -> Result<Arc<Self::Instance>>;
    /// Applies a remount's options to the instance of `sb`.
    fn reconfigure(
        fc: &FsContext,
        sb: SuperRef<'_>,
        instance: &Self::Instance,
        opts: &Self::Options,
    ) -> Result;
    /// Appends the non-default options to /proc/self/mountinfo.
    fn show_options(instance: &Self::Instance, out: &mut super_block::OptionWriter<'_>);
    /// `unlink(2)` in the root directory.
    fn unlink(instance: &Self::Instance, root: &RootLocked<'_>, call: UnlinkCall) -> Result;
}

/// Static storage for a `struct file_system_type` and its globals.
///
/// It must be static: the VFS links it into its list and lockdep requires the
/// lock class keys embedded in it to live in static (module) memory.
#[repr(C)]
pub(crate) struct FsTypeSlot<T: FileSystem> {
    fs_type: Opaque<ffi::file_system_type>,
    globals: AtomicPtr<T::Globals>,
    registered: AtomicBool,
}

// SAFETY: `fs_type` is written only by `Registration::register` while
// `registered` guarantees no registration uses it; afterwards only the VFS
// touches it, under its own locks. `globals` is an atomic pointer to
// `Sync` data.
unsafe impl<T: FileSystem> Sync for FsTypeSlot<T> {}

impl<T: FileSystem> FsTypeSlot<T> {
    /// An unused slot.
    pub(crate) const fn new() -> Self {
        Self {
            fs_type: Opaque::uninit(),
            globals: AtomicPtr::new(core::ptr::null_mut()),
            registered: AtomicBool::new(false),
        }
    }

    /// The slot embedding `fs_type`.
    ///
    /// # Safety
    ///
    /// `fs_type` must be the `fs_type` of a registered `FsTypeSlot<T>`.
    unsafe fn from_fs_type<'a>(fs_type: *mut ffi::file_system_type) -> &'a Self {
        // SAFETY: `fs_type` is the first field of a `repr(C)` slot.
        unsafe { &*fs_type.cast::<Self>() }
    }
}

/// A registered filesystem type; unregistered on drop.
///
/// # Invariants
///
/// `slot.fs_type` is initialised and registered with the VFS,
/// `slot.globals` holds a reference on an `Arc<T::Globals>`, and `slot` is
/// used by no other `Registration`.
pub(crate) struct Registration<T: FileSystem> {
    slot: &'static FsTypeSlot<T>,
}

impl<T: FileSystem> Registration<T> {
    /// Registers `T` in `slot`, owned by `module`, with `globals` handed to
    /// every new instance.
    ///
    /// Fails with `EBUSY` if `slot` is already in use.
    pub(crate) fn register(
        slot: &'static FsTypeSlot<T>,
        module: &'static ThisModule,
        globals: Arc<T::Globals>,
    ) -> Result<Self> {
        if slot.registered.swap(true, Ordering::Acquire) {
            return Err(EBUSY);
        }
        slot.globals
            .store(Arc::into_raw(globals).cast_mut(), Ordering::Release);
        let fs_type = slot.fs_type.get();
        // SAFETY: `registered` was false, so the VFS does not know `fs_type`
        // and nobody else writes it. An all-zero `file_system_type` is valid
        // (null pointers, `None` callbacks, empty list head, zeroed keys).
        unsafe {
            fs_type.write_bytes(0, 1);
            (*fs_type).name = T::NAME.as_char_ptr();
            // CAST: a flag constant (8) that fits the C int field.
            (*fs_type).fs_flags = ffi::FS_USERNS_MOUNT as i32;
            (*fs_type).init_fs_context = Some(init_fs_context::<T>);
            (*fs_type).parameters = T::PARAMS.as_ptr().cast();
            (*fs_type).kill_sb = Some(super_block::kill_sb::<T>);
            (*fs_type).owner = module.as_ptr();
        }
        // SAFETY: `fs_type` is initialised and lives in static storage.
        if let Err(e) = to_result(unsafe { ffi::register_filesystem(fs_type) }) {
            Self::release_globals(slot);
            slot.registered.store(false, Ordering::Release);
            return Err(e);
        }
        // INVARIANT: registered just above; `registered` excludes other users.
        Ok(Self { slot })
    }

    fn release_globals(slot: &FsTypeSlot<T>) {
        let globals = slot.globals.swap(core::ptr::null_mut(), Ordering::AcqRel);
        if !globals.is_null() {
            // SAFETY: `register` stored a reference from `Arc::into_raw`.
            drop(unsafe { Arc::from_raw(globals) });
        }
    }
}

impl<T: FileSystem> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: registered by `register` (type invariant). Every superblock
        // holds a module reference, so none is left when the module's exit
        // path drops this, and no callback can still be running.
        unsafe { ffi::unregister_filesystem(self.slot.fs_type.get()) };
        Self::release_globals(self.slot);
        self.slot.registered.store(false, Ordering::Release);
    }
}

/// The globals of the registration `fc` belongs to, for a new instance.
///
/// # Safety
///
/// `fc` is a valid context of a registered `T`.
unsafe fn globals<T: FileSystem>(fc: *mut ffi::fs_context) -> Result<Arc<T::Globals>> {
    // SAFETY: the context's `fs_type` is our registered slot's.
    let slot = unsafe { FsTypeSlot::<T>::from_fs_type((*fc).fs_type) };
    let ptr = slot.globals.load(Ordering::Acquire);
    if ptr.is_null() {
        return Err(ENODEV);
    }
    // SAFETY: the registration holds a reference until it is dropped, which
    // cannot happen while the VFS holds a module reference for `fc`.
    let borrowed = unsafe { kernel::sync::ArcBorrow::from_raw(ptr) };
    Ok(borrowed.into())
}

/// `file_system_type.init_fs_context`: installs the context operations and
/// room for the options.
///
/// # Safety
///
/// Called by the VFS with a valid `fs_context` of a `T` filesystem.
unsafe extern "C" fn init_fs_context<T: FileSystem>(fc: *mut kernel::bindings::fs_context) -> i32 {
    let fc = fc.cast::<ffi::fs_context>();
    from_result(|| {
        // Charged to the mounter, as everything a mount makes.
        let opts = KBox::new(T::Options::default(), GFP_KERNEL_ACCOUNT)?;
        // SAFETY: `fc` is valid and not yet shared (function contract); the
        // operations table is a promoted constant and lives forever.
        unsafe {
            (*fc).fs_private = KBox::into_raw(opts).cast();
            (*fc).ops = &ContextOps::<T>::OPS;
        }
        Ok(0)
    })
}

struct ContextOps<T>(PhantomData<T>);

impl<T: FileSystem> ContextOps<T> {
    const OPS: ffi::fs_context_operations = ffi::fs_context_operations {
        free: Some(free::<T>),
        dup: None,
        parse_param: Some(parse_param::<T>),
        parse_monolithic: None,
        get_tree: Some(get_tree::<T>),
        reconfigure: Some(reconfigure::<T>),
    };
}

/// The options of `fc`.
///
/// # Safety
///
/// `fc` is a valid context set up by `init_fs_context::<T>`, not yet freed.
unsafe fn options<'a, T: FileSystem>(fc: *mut ffi::fs_context) -> &'a mut T::Options {
    // SAFETY: `init_fs_context` stored a `KBox<T::Options>`; the VFS
    // serialises calls on one context (fc->uapi_mutex).
    unsafe { &mut *(*fc).fs_private.cast::<T::Options>() }
}

/// `fs_context_operations.free`.
///
/// # Safety
///
/// Called by the VFS with a valid context set up by `init_fs_context::<T>`.
unsafe extern "C" fn free<T: FileSystem>(fc: *mut ffi::fs_context) {
    // SAFETY: the VFS frees a context once, after every other call on it.
    let opts = unsafe { (*fc).fs_private.cast::<T::Options>() };
    if !opts.is_null() {
        // SAFETY: stored by `init_fs_context` from `KBox::into_raw`.
        drop(unsafe { KBox::from_raw(opts) });
    }
}

/// `fs_context_operations.parse_param`.
///
/// # Safety
///
/// Called by the VFS with a valid context set up by `init_fs_context::<T>`.
unsafe extern "C" fn parse_param<T: FileSystem>(
    fc: *mut ffi::fs_context,
    param: *mut ffi::fs_parameter,
) -> i32 {
    from_result(|| {
        let ctx = FsContext(fc);
        // SAFETY: the VFS passes this context's parameter.
        let parsed = unsafe { ctx.parse(T::PARAMS, param) }?;
        // SAFETY: `fc` is ours (function contract).
        T::parse(&ctx, unsafe { options::<T>(fc) }, &parsed)?;
        Ok(0)
    })
}

/// `fs_context_operations.get_tree`: every mount gets a new superblock.
///
/// # Safety
///
/// Called by the VFS with a valid `fs_context` of a `T` filesystem.
unsafe extern "C" fn get_tree<T: FileSystem>(fc: *mut ffi::fs_context) -> i32 {
    // SAFETY: `fc` is valid (function contract); `fill_super::<T>` matches
    // the callback type `get_tree_nodev` expects.
    unsafe { ffi::get_tree_nodev(fc, Some(fill_super::<T>)) }
}

/// The `fill_super` callback of `get_tree_nodev()`.
///
/// # Safety
///
/// Called by the VFS with a new, exclusively owned superblock and the
/// context set up by `init_fs_context::<T>`.
unsafe extern "C" fn fill_super<T: FileSystem>(
    sb: *mut ffi::super_block,
    fc: *mut ffi::fs_context,
) -> i32 {
    from_result(|| {
        // SAFETY: the VFS calls this with a new, exclusively owned superblock
        // of a `T` context.
        let sb = unsafe { super_block::init::<T>(sb)? };
        // SAFETY: `fc` is valid for the duration of the call.
        let globals = unsafe { globals::<T>(fc)? };
        // SAFETY: as above.
        let opts = unsafe { options::<T>(fc) };
        let instance = T::fill_super(&FsContext(fc), sb, opts, &globals)?;
        // SAFETY: the superblock is still exclusively ours.
        unsafe { super_block::set_instance::<T>(sb, instance) };
        Ok(0)
    })
}

/// `fs_context_operations.reconfigure`.
///
/// # Safety
///
/// Called by the VFS with a valid context set up by `init_fs_context::<T>`.
unsafe extern "C" fn reconfigure<T: FileSystem>(fc: *mut ffi::fs_context) -> i32 {
    from_result(|| {
        // SAFETY: a remount context holds the root of a live superblock of
        // ours, which holds its instance, for the duration of the call.
        let (sb, instance) = unsafe {
            let sb = (*(*fc).root).d_sb;
            (SuperRef::new(sb), super_block::instance::<T>(sb))
        };
        // SAFETY: `fc` is valid for the duration of the call.
        T::reconfigure(&FsContext(fc), sb, instance, unsafe { options::<T>(fc) })?;
        Ok(0)
    })
}
