// SPDX-License-Identifier: GPL-2.0

//! Writes to user memory that never wait for a page fault, for callers
//! holding locks that others need: a fault on a page that a FUSE server
//! backs waits as long as that server likes.

use crate::ffi;
use kernel::{prelude::*, types::AsBytes};

/// Writes `value` at user address `addr` if every byte of it is mapped,
/// present and writable; `EFAULT` (having written some or nothing)
/// otherwise, without taking a page fault.
pub(crate) fn write_nofault<T: AsBytes>(addr: usize, value: &T) -> Result {
    // CAST: the user address as the pointer copy_to_user_nofault() takes.
    let dst = addr as *mut core::ffi::c_void;
    let src = (value as *const T).cast::<core::ffi::c_void>();
    // SAFETY: `value` is valid for reads of its size, and every byte of an
    // `AsBytes` type is initialised; the function checks that the
    // destination is user memory (access_ok()) and fails instead of
    // faulting.
    let ret = unsafe { ffi::copy_to_user_nofault(dst, src, core::mem::size_of::<T>()) };
    if ret == 0 {
        Ok(())
    } else {
        Err(EFAULT)
    }
}

/// Faults in `len` bytes at user address `addr` for writing, so that a
/// `write_nofault` after it will likely succeed; `EFAULT` if they cannot
/// be. May sleep on the fault; call it holding no lock.
pub(crate) fn fault_in_writeable(addr: usize, len: usize) -> Result {
    // CAST: as above.
    let uaddr = addr as *mut u8;
    // SAFETY: fault_in_writeable() checks the range and only faults pages
    // in; it touches no memory of ours.
    let left = unsafe { ffi::devnsfs_fault_in_writeable(uaddr, len) };
    if left == 0 {
        Ok(())
    } else {
        Err(EFAULT)
    }
}
