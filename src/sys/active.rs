// SPDX-License-Identifier: GPL-2.0

//! Calls in flight on something that can be revoked. Revoking waits for
//! them, as debugfs's file removal waits for a file's `active_users`
//! (fs/debugfs/file.c) and the kernel's `Revocable` (7.x) waits for its
//! readers: once `begin_revoke` and `wait_idle` have returned, no call is
//! inside any more and none can enter.

use super::WaitQueue;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::{init::PinInit, prelude::*};

/// Set in `Liveness::state` once revoked; the other bits count calls.
const REVOKED: usize = 1 << (usize::BITS - 1);

/// The liveness of one revocable object.
#[pin_data]
pub(crate) struct Liveness {
    /// Calls in flight, plus `REVOKED` once revoked.
    state: AtomicUsize,
    /// Where `revoke` waits for the last call to leave.
    #[pin]
    idle: WaitQueue,
}

/// A call in flight; it leaves when dropped.
pub(crate) struct Active<'a>(&'a Liveness);

impl Liveness {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            state: AtomicUsize::new(0),
            idle <- WaitQueue::new(),
        })
    }

    /// Enters a call: `None` once revoked.
    pub(crate) fn enter(&self) -> Option<Active<'_>> {
        self.state
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |s| {
                // The count cannot reach REVOKED: calls are bounded by
                // tasks, far fewer than 2^63.
                (s & REVOKED == 0).then(|| s + 1)
            })
            .ok()
            .map(|_| Active(self))
    }

    /// Whether `revoke` has begun: a long call should end early.
    pub(crate) fn is_revoked(&self) -> bool {
        self.state.load(Ordering::Acquire) & REVOKED != 0
    }

    /// Starts the revocation: later `enter`s fail, and `wake` runs to wake
    /// callers blocked inside. Returns whether this call started it (false
    /// if it had been started already). Never sleeps on calls in flight:
    /// `wait_idle` does, holding no lock that they might need.
    pub(crate) fn begin_revoke(&self, wake: impl FnOnce()) -> bool {
        if self.state.fetch_or(REVOKED, Ordering::AcqRel) & REVOKED != 0 {
            return false;
        }
        wake();
        true
    }

    /// Waits until every call that entered before `begin_revoke` has left.
    ///
    /// A call in flight may itself wait on something slow outside (a page
    /// fault on a buffer a stalled FUSE server backs): the wait ends early
    /// only for a waiter that is being killed (`ERESTARTSYS`).
    pub(crate) fn wait_idle(&self) -> Result {
        self.idle
            .wait_killable(|| self.state.load(Ordering::Acquire) == REVOKED)
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        if self.0.state.fetch_sub(1, Ordering::AcqRel) == REVOKED + 1 {
            // The last call after a revocation: its waiter may go on.
            self.0.idle.wake_all();
        }
    }
}
