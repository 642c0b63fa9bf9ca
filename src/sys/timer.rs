// SPDX-License-Identifier: GPL-2.0

//! High-resolution timers embedded in a pinned owner.
//!
//! Linux 6.12 has no Rust hrtimer API. A [`Timer`] is a field of its owner;
//! on expiry the owner's [`TimerOwner::expired`] runs in hard interrupt
//! context, found from the timer by the field's offset (the kernel's
//! container_of()). The owner cancels its timers before it is dropped.

use crate::ffi;
use kernel::{init::PinInit, prelude::*, types::Opaque};

/// The clock a timer runs on.
#[derive(Clone, Copy)]
pub(crate) enum Clock {
    /// CLOCK_REALTIME: absolute expiry times follow the host's wall clock,
    /// through settimeofday() and friends.
    Realtime,
    /// CLOCK_MONOTONIC: for intervals.
    Monotonic,
}

/// What an expired timer does next.
pub(crate) enum Restart {
    No,
    /// Again, at the expiry time the callback set with
    /// [`Timer::forward_now`].
    Yes,
}

/// An owner of timers. `ID` tells an owner's timers apart.
///
/// # Safety
///
/// `OFFSET` is the offset in `Self` of a field of type [`Timer`] made with
/// [`Timer::new::<Self, ID>`], and `Self` cancels that timer before it is
/// dropped.
pub(crate) unsafe trait TimerOwner<const ID: u8>: Sync + Sized {
    const OFFSET: usize;

    /// Runs in hard interrupt context: no sleeping, no locks that are
    /// taken with interrupts on.
    fn expired(&self, timer: &Timer) -> Restart;
}

/// A `struct hrtimer`.
#[pin_data]
pub(crate) struct Timer {
    #[pin]
    raw: Opaque<ffi::hrtimer>,
    clock: Clock,
}

// SAFETY: hrtimer functions serialise on the timer base's lock; the
// callback only reaches the owner through `&T` with `T: Sync`.
unsafe impl Send for Timer {}
// SAFETY: as above.
unsafe impl Sync for Timer {}

impl Timer {
    /// A timer of `T`'s field at `T::OFFSET`.
    pub(crate) fn new<T: TimerOwner<ID>, const ID: u8>(clock: Clock) -> impl PinInit<Self> {
        let (clock_id, mode) = Self::clock_mode(clock);
        pin_init!(Self {
            raw <- Opaque::ffi_init(move |slot: *mut ffi::hrtimer| {
                // SAFETY: `slot` is valid for writes and pinned: initialised
                // in place, with its callback set before anyone can start it.
                unsafe {
                    ffi::hrtimer_init(slot, clock_id, mode);
                    (*slot).function = Some(expired::<T, ID>);
                }
            }),
            clock,
        })
    }

    /// The clock id and the (start) mode of a timer on `clock`.
    fn clock_mode(clock: Clock) -> (i32, ffi::hrtimer_mode) {
        // CAST: clock ids are 0 and 1.
        match clock {
            Clock::Realtime => (
                ffi::CLOCK_REALTIME as i32,
                ffi::hrtimer_mode_HRTIMER_MODE_ABS,
            ),
            Clock::Monotonic => (
                ffi::CLOCK_MONOTONIC as i32,
                ffi::hrtimer_mode_HRTIMER_MODE_REL,
            ),
        }
    }

    /// (Re)arms the timer: at `ns` since the epoch on a realtime timer,
    /// `ns` from now on a monotonic one. A time already past fires at once.
    pub(crate) fn start(&self, ns: i64) {
        let (_, mode) = Self::clock_mode(self.clock);
        // SAFETY: `self.raw` was initialised by hrtimer_init().
        unsafe { ffi::hrtimer_start_range_ns(self.raw.get(), ns, 0, mode) };
    }

    /// Disarms the timer and waits for a running callback to finish.
    /// Must not be called from the timer's own callback.
    pub(crate) fn cancel(&self) {
        // SAFETY: as in `start`.
        unsafe { ffi::hrtimer_cancel(self.raw.get()) };
    }

    /// Moves the expiry forward in steps of `interval` ns until it is
    /// after now; returns the number of steps (the overruns plus one).
    /// For the callback of a restarting timer.
    pub(crate) fn forward_now(&self, interval: i64) -> u64 {
        // SAFETY: as in `start`; the callback of this timer runs with its
        // base locked out of other changes to the expiry.
        unsafe { ffi::devnsfs_hrtimer_forward_now(self.raw.get(), interval) }
    }
}

/// `hrtimer.function` of the timer at `T::OFFSET`.
///
/// # Safety
///
/// Called by the hrtimer core with a timer made by `Timer::new::<T, ID>`.
unsafe extern "C" fn expired<T: TimerOwner<ID>, const ID: u8>(
    raw: *mut ffi::hrtimer,
) -> ffi::hrtimer_restart {
    // container_of() twice: hrtimer to `Timer`, `Timer` to its owner.
    let timer = raw
        .cast::<u8>()
        .wrapping_sub(core::mem::offset_of!(Timer, raw))
        .cast::<Timer>();
    // SAFETY: by `TimerOwner`'s contract the timer is the field at
    // `T::OFFSET` of a live `T`: the owner cancels it before it goes.
    let (timer, owner) = unsafe {
        (
            &*timer,
            &*timer.cast::<u8>().wrapping_sub(T::OFFSET).cast::<T>(),
        )
    };
    match owner.expired(timer) {
        Restart::No => ffi::hrtimer_restart_HRTIMER_NORESTART,
        Restart::Yes => ffi::hrtimer_restart_HRTIMER_RESTART,
    }
}

/// Nanoseconds since the epoch on the host's CLOCK_REALTIME.
pub(crate) fn realtime_ns() -> i64 {
    let mut ts = ffi::timespec64 {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is valid for writes.
    unsafe { ffi::ktime_get_real_ts64(&mut ts) };
    // CAST: `tv_nsec` is below 10^9 (a long, so i64 or smaller).
    let nsec = ts.tv_nsec as i64;
    ts.tv_sec.saturating_mul(1_000_000_000).saturating_add(nsec)
}
