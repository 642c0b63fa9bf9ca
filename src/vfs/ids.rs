// SPDX-License-Identifier: GPL-2.0

//! Kernel user and group ids, and the user namespaces that map them.

use crate::ffi;
use core::marker::PhantomData;

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

/// A user namespace, borrowed from whatever pins it for `'a` (a
/// superblock, a network namespace, the credentials of an open file).
///
/// # Invariants
///
/// `ptr` points to a live `user_namespace` for the whole of `'a`.
#[derive(Clone, Copy)]
pub(crate) struct UserNs<'a> {
    ptr: *mut ffi::user_namespace,
    _pinned_by: PhantomData<&'a ffi::user_namespace>,
}

impl<'a> UserNs<'a> {
    /// # Safety
    ///
    /// `ns` is a live user namespace that something pins for all of `'a`.
    pub(crate) unsafe fn from_raw(ns: *mut ffi::user_namespace) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self {
            ptr: ns,
            _pinned_by: PhantomData,
        }
    }

    /// The namespace's identity: equal keys name the same live namespace.
    pub(crate) fn key(self) -> usize {
        // CAST: a pointer's address, as an identity.
        self.ptr as usize
    }

    /// uid 0 of this namespace, if it maps it.
    pub(crate) fn root_uid(self) -> Option<Kuid> {
        // SAFETY: `self.ptr` is live (type invariant).
        Kuid::from_raw(unsafe { ffi::make_kuid(self.ptr, 0) })
    }

    /// gid 0 of this namespace, if it maps it.
    pub(crate) fn root_gid(self) -> Option<Kgid> {
        // SAFETY: `self.ptr` is live (type invariant).
        Kgid::from_raw(unsafe { ffi::make_kgid(self.ptr, 0) })
    }

    /// `uid` as this namespace sees it (the overflow uid when unmapped).
    pub(crate) fn uid_value(self, uid: Kuid) -> u32 {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { ffi::from_kuid_munged(self.ptr, uid.raw()) }
    }

    /// `gid` as this namespace sees it (the overflow gid when unmapped).
    pub(crate) fn gid_value(self, gid: Kgid) -> u32 {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { ffi::from_kgid_munged(self.ptr, gid.raw()) }
    }

    /// The host user charged for what this namespace consumes: the owner of
    /// its first-level ancestor (the child of the initial namespace). `None`
    /// for the initial user namespace itself.
    pub(crate) fn host_owner(self) -> Option<Kuid> {
        let init = core::ptr::addr_of_mut!(ffi::init_user_ns);
        let mut ns = self.ptr;
        if ns == init {
            return None;
        }
        // SAFETY: every namespace pins its parent, so each `parent` pointer
        // on the chain from a live namespace is live; the chain ends at
        // `init_user_ns`.
        unsafe {
            while (*ns).parent != init {
                ns = (*ns).parent;
            }
            Kuid::from_raw((*ns).owner)
        }
    }
}

// SAFETY: a user namespace is immutable after creation apart from its
// refcount and maps, which the kernel accesses with its own synchronisation;
// the borrow keeps it alive wherever the value goes.
unsafe impl Send for UserNs<'_> {}
// SAFETY: as above.
unsafe impl Sync for UserNs<'_> {}
