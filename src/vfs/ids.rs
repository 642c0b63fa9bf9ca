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

    /// Whether this is the initial user namespace (the host's).
    pub(crate) fn is_initial(self) -> bool {
        self.ptr == core::ptr::addr_of_mut!(ffi::init_user_ns)
    }

    /// The namespace this one was created in; `None` for the initial one.
    pub(crate) fn parent(self) -> Option<UserNs<'a>> {
        if self.is_initial() {
            return None;
        }
        // SAFETY: `self.ptr` is live (type invariant) and pins its parent
        // for as long as it lives.
        Some(unsafe { UserNs::from_raw((*self.ptr).parent) })
    }

    /// The host-side user that created this namespace (`owner`, a kuid
    /// of the parent namespace).
    pub(crate) fn creator(self) -> Option<Kuid> {
        // SAFETY: `self.ptr` is live; `owner` never changes.
        Kuid::from_raw(unsafe { (*self.ptr).owner })
    }

    /// Whether `uid` has a mapping in this namespace (kuid_has_mapping()).
    pub(crate) fn maps_uid(self, uid: Kuid) -> bool {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { ffi::from_kuid(self.ptr, uid.raw()) != INVALID }
    }

    /// Whether `gid` has a mapping in this namespace (kgid_has_mapping()).
    pub(crate) fn maps_gid(self, gid: Kgid) -> bool {
        // SAFETY: `self.ptr` is live (type invariant).
        unsafe { ffi::from_kgid(self.ptr, gid.raw()) != INVALID }
    }
}

/// A counted reference to a user namespace (get_user_ns()), for what must
/// outlive the call that named the namespace.
///
/// # Invariants
///
/// `ptr` is a live user namespace on which the value owns one reference.
pub(crate) struct UserNsRef {
    ptr: *mut ffi::user_namespace,
}

impl UserNsRef {
    /// Takes a reference on `ns`.
    pub(crate) fn new(ns: UserNs<'_>) -> Self {
        // SAFETY: `ns` is live for the call (its invariant), so a reference
        // may be taken; get_user_ns() returns its argument.
        let ptr = unsafe { ffi::devnsfs_get_user_ns(ns.ptr) };
        // INVARIANT: the reference just taken.
        Self { ptr }
    }

    /// The namespace, for as long as this reference is borrowed.
    pub(crate) fn ns(&self) -> UserNs<'_> {
        // SAFETY: the reference keeps it live while `self` is borrowed.
        unsafe { UserNs::from_raw(self.ptr) }
    }

    /// Whether this is the last reference: no task, mount, file or other
    /// namespace can reach the namespace any more, nor take a new one.
    pub(crate) fn is_sole_reference(&self) -> bool {
        // SAFETY: the namespace is live (type invariant).
        unsafe { ffi::devnsfs_user_ns_sole_reference(self.ptr) }
    }
}

impl Clone for UserNsRef {
    fn clone(&self) -> Self {
        Self::new(self.ns())
    }
}

impl Drop for UserNsRef {
    fn drop(&mut self) {
        // SAFETY: the value owns one reference (type invariant).
        unsafe { ffi::devnsfs_put_user_ns(self.ptr) };
    }
}

// SAFETY: a reference may be dropped from any task; see `UserNs`.
unsafe impl Send for UserNsRef {}
// SAFETY: as above.
unsafe impl Sync for UserNsRef {}

// SAFETY: a user namespace is immutable after creation apart from its
// refcount and maps, which the kernel accesses with its own synchronisation;
// the borrow keeps it alive wherever the value goes.
unsafe impl Send for UserNs<'_> {}
// SAFETY: as above.
unsafe impl Sync for UserNs<'_> {}
