// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers of the kernel services that devnsfs uses besides the VFS:
//! timers, wait queues, device number regions, per-netns sockets, module
//! parameters. Staging code: each piece follows the upstream abstraction
//! of a newer kernel where one exists (`HrTimer`, `PollCondVar`), so that
//! moving to it deletes code here.

mod active;
mod chrdev;
mod netlink;
pub(crate) mod param;
mod pernet;
mod timer;
pub(crate) mod user;
mod wait;

pub(crate) use active::{Active, Liveness};
pub(crate) use chrdev::ChrdevRegion;
pub(crate) use netlink::UeventSenders;
pub(crate) use timer::{realtime_ns, Clock, Restart, Timer, TimerOwner};
pub(crate) use wait::{PollQueue, WaitQueue};

use crate::ffi;
use kernel::{error::Error, prelude::*};

/// Fills `buf` from the kernel's CRNG; never blocks (get_random_bytes()).
pub(crate) fn random_bytes(buf: &mut [u8]) {
    // SAFETY: `buf` is valid for writes of its length.
    unsafe { ffi::get_random_bytes(buf.as_mut_ptr().cast(), buf.len()) };
}

/// Mixes `buf` into the entropy pool without crediting it, as a write to
/// /dev/urandom does.
pub(crate) fn mix_randomness(buf: &[u8]) {
    // SAFETY: `buf` is valid for reads of its length.
    unsafe { ffi::add_device_randomness(buf.as_ptr().cast(), buf.len()) };
}

/// Lets the scheduler run something else during a long copy.
pub(crate) fn cond_resched() {
    // SAFETY: callers hold no spinlock (the function may sleep).
    unsafe { ffi::__cond_resched() };
}

/// An errno constant of the C headers as an `Error`.
fn errno(code: u32) -> Error {
    // CAST: errno constants are small (below 4096); `Error` takes them
    // negated.
    Error::from_errno(-(code as i32))
}

/// `EOPNOTSUPP`, which `kernel::error::code` of Linux 6.12 lacks.
pub(crate) fn eopnotsupp() -> Error {
    errno(ffi::EOPNOTSUPP)
}

/// `EDQUOT`, which `kernel::error::code` of Linux 6.12 lacks.
pub(crate) fn edquot() -> Error {
    errno(ffi::EDQUOT)
}

/// Whether the calling task has `cap` in the initial user namespace:
/// what guards host resources (capable()).
pub(crate) fn capable(cap: i32) -> bool {
    // SAFETY: checks the current task's credentials; always valid.
    unsafe { ffi::capable(cap) }
}

/// Whether the kernel or a loaded module exports `symbol` (GPL-only):
/// how a pass-through class tells that its driver is there. Loads
/// nothing.
pub(crate) fn symbol_present(symbol: &kernel::str::CStr) -> bool {
    // SAFETY: `symbol` is a NUL-terminated string; a found symbol pins its
    // module until the __symbol_put() below.
    let found = unsafe { ffi::__symbol_get(symbol.as_char_ptr()) };
    if found.is_null() {
        return false;
    }
    // SAFETY: gives back the reference __symbol_get() took.
    unsafe { ffi::__symbol_put(symbol.as_char_ptr()) };
    true
}

/// Whether the calling task's device cgroup lets it make a node of the
/// character device `major:minor` (as mknod(2) asks): `EPERM` if not.
pub(crate) fn devcgroup_may_mknod(major: u32, minor: u32) -> Result {
    // SAFETY: checks the current task's cgroup; always valid.
    kernel::error::to_result(unsafe { ffi::devnsfs_devcgroup_may_mknod(major, minor) })
}
