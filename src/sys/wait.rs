// SPDX-License-Identifier: GPL-2.0

//! Wait queues (`wait_queue_head_t`) that sleepers and wakers in any
//! context, hard interrupts included, can share; [`PollQueue`] also takes
//! poll(2), select(2) and epoll registrations.
//!
//! Linux 6.12's `CondVar` cannot serve here: its sleepers test their
//! condition before they queue, so a waker that takes no lock (an hrtimer
//! callback) can slip in between and the wakeup is lost; and poll(2) cannot
//! register with it. This follows `___wait_event()` instead. A
//! [`PollQueue`] frees itself as the kernel's `PollCondVar` (7.x) does:
//! pollers are detached with `__wake_up_pollfree()` and an RCU grace period
//! passes before the memory goes, so that registering with it is safe; a
//! plain [`WaitQueue`], which pollers cannot reach, frees at once.

use crate::{
    ffi,
    vfs::{File, PollTable},
};
use core::{
    mem::MaybeUninit,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{error::code::ERESTARTSYS, init::PinInit, prelude::*, types::Opaque};

/// A wait queue head for sleepers only.
#[pin_data]
pub(crate) struct WaitQueue {
    #[pin]
    raw: Opaque<ffi::wait_queue_head>,
}

// SAFETY: a wait queue head is made for concurrent use: its own spinlock
// (taken with interrupts off) guards every change.
unsafe impl Send for WaitQueue {}
// SAFETY: as above.
unsafe impl Sync for WaitQueue {}

impl WaitQueue {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            raw <- Opaque::ffi_init(|slot| {
                // SAFETY: `slot` is valid for writes and pinned: the head
                // is initialised where it will live.
                unsafe { ffi::devnsfs_init_waitqueue_head(slot) }
            }),
        })
    }

    /// Sleeps until `cond` holds. A pending signal ends the wait with
    /// `ERESTARTSYS`. `cond` is tested after the caller is queued, so a
    /// wakeup that makes it true cannot be missed.
    pub(crate) fn wait_interruptible(&self, cond: impl Fn() -> bool) -> Result {
        // CAST: TASK_INTERRUPTIBLE is 1.
        self.wait(ffi::TASK_INTERRUPTIBLE as i32, cond)
    }

    /// Sleeps until `cond` holds or a fatal signal is pending (then
    /// `ERESTARTSYS`): for waits that only a dying task may cut short.
    pub(crate) fn wait_killable(&self, cond: impl Fn() -> bool) -> Result {
        // CAST: TASK_KILLABLE is 258.
        self.wait(ffi::TASK_KILLABLE as i32, cond)
    }

    fn wait(&self, state: i32, cond: impl Fn() -> bool) -> Result {
        let mut entry = MaybeUninit::<ffi::wait_queue_entry>::uninit();
        let entry = entry.as_mut_ptr();
        // SAFETY: `entry` is valid for writes and stays in place (it is
        // not moved) until finish_wait() below takes it off the queue.
        unsafe { ffi::init_wait_entry(entry, 0) };
        let result = loop {
            // SAFETY: `self.raw` is an initialised head and `entry` an
            // initialised entry that outlives its time on the queue.
            let signalled = unsafe { ffi::prepare_to_wait_event(self.raw.get(), entry, state) };
            if cond() {
                break Ok(());
            }
            if signalled != 0 {
                break Err(ERESTARTSYS);
            }
            // SAFETY: the task is queued and in `state`; no spinlock is
            // held (callers are in process context).
            unsafe { ffi::schedule() };
        };
        // SAFETY: as for prepare_to_wait_event(); this also copes with an
        // entry already taken off by a signal.
        unsafe { ffi::finish_wait(self.raw.get(), entry) };
        result
    }

    /// Wakes every sleeper and poller (`wake_up_all()`). Callable from any
    /// context.
    pub(crate) fn wake_all(&self) {
        // SAFETY: `self.raw` is an initialised head.
        unsafe { ffi::__wake_up(self.raw.get(), ffi::TASK_NORMAL, 0, core::ptr::null_mut()) };
    }
}

/// A wait queue that poll(2), select(2) and epoll may register with.
#[pin_data(PinnedDrop)]
pub(crate) struct PollQueue {
    #[pin]
    queue: WaitQueue,
    /// Whether anyone ever registered: only then must dropping the queue
    /// wait for an RCU grace period.
    polled: AtomicBool,
}

impl core::ops::Deref for PollQueue {
    type Target = WaitQueue;
    fn deref(&self) -> &WaitQueue {
        &self.queue
    }
}

impl PollQueue {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            queue <- WaitQueue::new(),
            polled: AtomicBool::new(false),
        })
    }

    /// Registers `file`'s poll(2), select(2) or epoll call with the queue.
    /// epoll may keep its entry queued after the call returns; dropping
    /// the queue detaches it (see `PinnedDrop`).
    pub(crate) fn poll_wait(&self, file: &File, table: &PollTable) {
        self.polled.store(true, Ordering::Release);
        // The head is pinned and detaches every entry before it is freed.
        // SAFETY: `file` and `table` come from one `poll` call of the VFS
        // (their invariants); the head is initialised.
        unsafe { ffi::devnsfs_poll_wait(file.as_ptr(), self.queue.raw.get(), table.as_ptr()) };
    }
}

#[pinned_drop]
impl PinnedDrop for PollQueue {
    fn drop(self: Pin<&mut Self>) {
        if !self.polled.load(Ordering::Acquire) {
            // No poll table ever saw the queue: nothing to detach.
            return;
        }
        // Every poller woken with POLLFREE unhooks its entry (under RCU).
        // SAFETY: the head is initialised; nobody sleeps on it any more.
        unsafe { ffi::__wake_up_pollfree(self.queue.raw.get()) };
        // Waits until no epoll can still be looking at an entry here.
        // SAFETY: may sleep: owners drop queues in process context (with
        // the last file or the instance).
        unsafe { ffi::synchronize_rcu() };
    }
}
