// SPDX-License-Identifier: GPL-2.0

//! Kernel user and group ids, and the user namespaces that map them.

use crate::ffi;

/// A kernel-internal (global) user id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Kuid(u32);

/// A kernel-internal (global) group id.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kgid(u32);

/// `(uid_t)-1`: INVALID_UID and INVALID_GID.
const INVALID: u32 = u32::MAX;

impl Kuid {
    pub(crate) const GLOBAL_ROOT: Self = Self(0);

    pub(crate) fn from_raw(raw: ffi::kuid_t) -> Option<Self> {
        (raw.val != INVALID).then_some(Self(raw.val))
    }

    pub(crate) fn raw(self) -> ffi::kuid_t {
        ffi::kuid_t { val: self.0 }
    }

    /// The fsuid of the current task.
    pub(crate) fn current_fs() -> Self {
        // SAFETY: reads the current task's credentials; always valid.
        Self(unsafe { ffi::devnsfs_current_fsuid() })
    }
}

impl Kgid {
    pub(crate) const GLOBAL_ROOT: Self = Self(0);

    pub(crate) fn from_raw(raw: ffi::kgid_t) -> Option<Self> {
        (raw.val != INVALID).then_some(Self(raw.val))
    }

    pub(crate) fn raw(self) -> ffi::kgid_t {
        ffi::kgid_t { val: self.0 }
    }

    /// The fsgid of the current task.
    pub(crate) fn current_fs() -> Self {
        // SAFETY: reads the current task's credentials; always valid.
        Self(unsafe { ffi::devnsfs_current_fsgid() })
    }
}

/// A user namespace that a superblock pins for its whole life.
///
/// # Invariants
///
/// `0` points to a live `user_namespace` for as long as this value exists.
#[derive(Clone, Copy)]
pub(crate) struct UserNs(*mut ffi::user_namespace);

// SAFETY: a user namespace is immutable after creation apart from its
// refcount and maps, which the kernel accesses with its own synchronisation.
unsafe impl Send for UserNs {}
// SAFETY: as above.
unsafe impl Sync for UserNs {}

impl UserNs {
    /// # Safety
    ///
    /// `ns` must stay valid for as long as the result and its copies exist.
    pub(crate) unsafe fn from_raw(ns: *mut ffi::user_namespace) -> Self {
        // INVARIANT: the caller guarantees validity.
        Self(ns)
    }

    /// The namespace itself, for the netns index of `uevent`.
    pub(crate) fn as_ptr(self) -> *mut ffi::user_namespace {
        self.0
    }

    /// uid 0 of this namespace, if it maps it.
    pub(crate) fn root_uid(self) -> Option<Kuid> {
        // SAFETY: `self.0` is valid (type invariant).
        Kuid::from_raw(unsafe { ffi::make_kuid(self.0, 0) })
    }

    /// gid 0 of this namespace, if it maps it.
    pub(crate) fn root_gid(self) -> Option<Kgid> {
        // SAFETY: `self.0` is valid (type invariant).
        Kgid::from_raw(unsafe { ffi::make_kgid(self.0, 0) })
    }

    /// `uid` as this namespace sees it (the overflow uid when unmapped).
    pub(crate) fn uid_value(self, uid: Kuid) -> u32 {
        // SAFETY: `self.0` is valid (type invariant).
        unsafe { ffi::from_kuid_munged(self.0, uid.raw()) }
    }

    /// `gid` as this namespace sees it (the overflow gid when unmapped).
    pub(crate) fn gid_value(self, gid: Kgid) -> u32 {
        // SAFETY: `self.0` is valid (type invariant).
        unsafe { ffi::from_kgid_munged(self.0, gid.raw()) }
    }

    /// The host user charged for what this namespace consumes: the owner of
    /// its first-level ancestor (the child of the initial namespace). `None`
    /// for the initial user namespace itself.
    pub(crate) fn host_owner(self) -> Option<Kuid> {
        let init = core::ptr::addr_of_mut!(ffi::init_user_ns);
        let mut ns = self.0;
        if ns == init {
            return None;
        }
        // SAFETY: every namespace pins its parent, so each `parent` pointer
        // on the chain from a valid namespace is valid; the chain ends at
        // `init_user_ns`.
        unsafe {
            while (*ns).parent != init {
                ns = (*ns).parent;
            }
            Kuid::from_raw((*ns).owner)
        }
    }
}
