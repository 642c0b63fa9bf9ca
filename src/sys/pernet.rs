// SPDX-License-Identifier: GPL-2.0

//! State kept per network namespace, made when a netns comes and dropped
//! when it goes (register_pernet_subsys()), and indexed by the user
//! namespace that owns each netns, so that reaching the netns of one owner
//! costs O(log n + their number).
//!
//! The index lock is held only to look states up, a few at a time, never
//! while they are used: netns creation anywhere on the machine never waits
//! for one owner's work. Each state has a lock of its own, which its netns's
//! exit takes before dropping it, so a state in use outlives the use.

use crate::{ffi, vfs::UserNs};
use core::{
    marker::PhantomData,
    ops::ControlFlow,
    sync::atomic::{AtomicBool, AtomicPtr, Ordering},
};
use kernel::{
    error::to_result,
    new_mutex,
    prelude::*,
    rbtree::{RBTree, RBTreeNode},
    sync::{Arc, Mutex},
    types::Opaque,
};

/// States used per index lock hold.
const BATCH: usize = 16;

/// A network namespace, borrowed for one pernet callback.
///
/// # Invariants
///
/// `ptr` is a live `struct net` for all of `'a`.
#[derive(Clone, Copy)]
pub(crate) struct Net<'a> {
    ptr: *mut ffi::net,
    _pinned_by: PhantomData<&'a ffi::net>,
}

impl<'a> Net<'a> {
    pub(super) fn as_ptr(self) -> *mut ffi::net {
        self.ptr
    }

    /// The user namespace that owns the netns (and that it pins).
    pub(crate) fn owner(self) -> UserNs<'a> {
        // SAFETY: `self.ptr` is live (type invariant) and pins `user_ns`
        // for its whole life.
        unsafe { UserNs::from_raw(ffi::devnsfs_net_user_ns(self.ptr)) }
    }

    /// (owner, netns) identities, as the index orders them.
    fn key(self) -> (usize, usize) {
        // CAST: a pointer's address, as an identity.
        (self.owner().key(), self.ptr as usize)
    }
}

/// What lives in every network namespace.
///
/// `new` runs for each netns that exists at registration and each one made
/// later; the value is dropped when its netns is dismantled, before the
/// netns is freed. A failure only means that netns has no state: it never
/// keeps a netns from being created.
pub(crate) trait PernetState: Send + Sized + 'static {
    fn new(net: Net<'_>) -> Result<Self>;

    /// The one static slot the operations of `Self` are registered from.
    fn slot() -> &'static PernetSlot<Self>;
}

/// One netns's state; `None` once the netns is going away.
type Slot<S> = Mutex<Option<S>>;

/// (owner key, netns key) → state. The netns of one owner are adjacent.
///
/// Lock order: `PernetRegistration::index` is never held while a slot's
/// lock (`PernetRegistration::slot`) is taken, nor the other way round.
#[pin_data]
struct Index<S> {
    #[pin]
    by_owner: Mutex<RBTree<(usize, usize), Arc<Slot<S>>>>,
}

/// Static storage of one `pernet_operations`, which the network core links
/// into its list while registered.
pub(crate) struct PernetSlot<S> {
    ops: Opaque<ffi::pernet_operations>,
    index: AtomicPtr<Index<S>>,
    registered: AtomicBool,
}

// SAFETY: `ops` is written only by `PernetRegistration::register` while
// `registered` excludes every other user; the network core then reads it
// under its own lock. `index` is an atomic pointer to `Sync` data.
unsafe impl<S: Send> Sync for PernetSlot<S> {}

impl<S> PernetSlot<S> {
    pub(crate) const fn new() -> Self {
        Self {
            ops: Opaque::uninit(),
            index: AtomicPtr::new(core::ptr::null_mut()),
            registered: AtomicBool::new(false),
        }
    }
}

/// Keeps `S` in every network namespace; unregistering drops every `S`.
///
/// # Invariants
///
/// `S::slot().ops` is registered with the network core, and
/// `S::slot().index` points to `*index`, until the value is dropped.
pub(crate) struct PernetRegistration<S: PernetState> {
    index: Pin<KBox<Index<S>>>,
}

impl<S: PernetState> PernetRegistration<S> {
    /// Registers the operations: `S::new` runs at once for every existing
    /// netns. `EBUSY` if `S` is registered already.
    pub(crate) fn register() -> Result<Self> {
        let slot = S::slot();
        if slot.registered.swap(true, Ordering::Acquire) {
            return Err(EBUSY);
        }
        let index = match KBox::pin_init(
            pin_init!(Index { by_owner <- new_mutex!(RBTree::new(), "PernetRegistration::index") }),
            GFP_KERNEL,
        ) {
            Ok(index) => index,
            Err(e) => {
                slot.registered.store(false, Ordering::Release);
                return Err(e);
            }
        };
        let ops = slot.ops.get();
        // An all-zero `pernet_operations` is valid: no id, size or callbacks.
        // SAFETY: `registered` was false, so the network core does not know
        // `ops` and nobody else writes it.
        unsafe {
            ops.write_bytes(0, 1);
            (*ops).init = Some(net_init::<S>);
            (*ops).exit = Some(net_exit::<S>);
        }
        slot.index
            .store((&*index as *const Index<S>).cast_mut(), Ordering::Release);
        // SAFETY: `ops` is initialised and static.
        if let Err(e) = to_result(unsafe { ffi::register_pernet_subsys(ops) }) {
            slot.index.store(core::ptr::null_mut(), Ordering::Release);
            slot.registered.store(false, Ordering::Release);
            return Err(e);
        }
        // INVARIANT: registered just above, with `index` published.
        Ok(Self { index })
    }

    /// Calls `f` with the state of every netns owned by exactly `owner`
    /// (that is not going away), until it breaks. Each state is locked while
    /// `f` uses it; the index is not.
    pub(crate) fn for_each_owned_by(
        &self,
        owner: UserNs<'_>,
        mut f: impl FnMut(&S) -> ControlFlow<()>,
    ) {
        let owner = owner.key();
        let mut next = (owner, 0);
        loop {
            let mut batch: [Option<Arc<Slot<S>>>; BATCH] = Default::default();
            let mut full = true;
            {
                let mut index = self.index.by_owner.lock();
                let mut cursor = index.cursor_lower_bound(&next);
                for entry in batch.iter_mut() {
                    let Some(c) = cursor.take() else {
                        full = false;
                        break;
                    };
                    let (&key, slot) = c.current();
                    if key.0 != owner {
                        full = false;
                        break;
                    }
                    *entry = Some(slot.clone());
                    // Netns keys are addresses: the next one is above.
                    next = (owner, key.1.saturating_add(1));
                    cursor = c.move_next();
                }
            }
            for slot in batch.iter().flatten() {
                if let Some(state) = slot.lock().as_ref() {
                    if f(state).is_break() {
                        return;
                    }
                }
            }
            if !full {
                return;
            }
        }
    }
}

impl<S: PernetState> Drop for PernetRegistration<S> {
    fn drop(&mut self) {
        let slot = S::slot();
        // SAFETY: registered (type invariant); `net_exit` runs for every
        // netns and drops its state before this returns.
        unsafe { ffi::unregister_pernet_subsys(slot.ops.get()) };
        slot.index.store(core::ptr::null_mut(), Ordering::Release);
        slot.registered.store(false, Ordering::Release);
    }
}

/// The index of `S`'s registration.
///
/// # Safety
///
/// Called from `S`'s pernet callbacks, which run only while the
/// registration (and so the index) exists.
unsafe fn index<'a, S: PernetState>() -> Option<&'a Index<S>> {
    // SAFETY: non-null only while registered (function contract).
    unsafe { S::slot().index.load(Ordering::Acquire).as_ref() }
}

/// `pernet_operations.init`.
///
/// # Safety
///
/// Called by the network core with a netns being set up, while `S`'s
/// operations are registered.
unsafe extern "C" fn net_init<S: PernetState>(net: *mut ffi::net) -> i32 {
    // SAFETY: function contract.
    let Some(index) = (unsafe { index::<S>() }) else {
        return 0;
    };
    // SAFETY: `net` is live for this call and until its `net_exit`.
    let net = unsafe { Net::from_raw(net) };
    // The netns's creator pays for what its netns costs.
    let slot = S::new(net).and_then(|state| {
        Arc::pin_init(
            new_mutex!(Some(state), "PernetRegistration::slot"),
            GFP_KERNEL_ACCOUNT,
        )
    });
    // The tree node is allocated before the index is locked: a creator
    // at its memory cgroup's limit reclaims holding no lock of ours.
    let node = slot.and_then(|slot| RBTreeNode::new(net.key(), slot, GFP_KERNEL_ACCOUNT));
    if let Ok(node) = node {
        index.by_owner.lock().insert(node);
    }
    // On failure the state is dropped: that netns goes without.
    0
}

/// `pernet_operations.exit`: drops the netns's state.
///
/// # Safety
///
/// Called by the network core with a netns being dismantled, while `S`'s
/// operations are registered.
unsafe extern "C" fn net_exit<S: PernetState>(net: *mut ffi::net) {
    // SAFETY: function contract.
    let Some(index) = (unsafe { index::<S>() }) else {
        return;
    };
    // SAFETY: `net` is live until this returns.
    let net = unsafe { Net::from_raw(net) };
    let slot = index.by_owner.lock().remove(&net.key());
    // Outside the index lock: waits for a user of the state to finish, and
    // drops it before the netns goes (a user that still holds the slot
    // finds `None`).
    if let Some(slot) = slot {
        let state = slot.lock().take();
        drop(state);
    }
}

impl Net<'_> {
    /// # Safety
    ///
    /// `net` is live for all of `'a`.
    unsafe fn from_raw(net: *mut ffi::net) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self {
            ptr: net,
            _pinned_by: PhantomData,
        }
    }
}
