// SPDX-License-Identifier: GPL-2.0

//! Ranges of character device numbers reserved whole, so that no driver
//! can register them (alloc_chrdev_region()).

use crate::{ffi, vfs::MINOR_BITS};
use kernel::{error::to_result, prelude::*};

/// `count` minors of one dynamically allocated major, listed under a name
/// in /proc/devices; released when dropped.
///
/// # Invariants
///
/// The range `major:0 .. major:count` is registered by this value alone.
pub(crate) struct ChrdevRegion {
    major: u32,
    count: u32,
}

impl ChrdevRegion {
    /// Reserves `count` minors (at most 2^20) of a new major.
    pub(crate) fn reserve_major(count: u32, name: &'static CStr) -> Result<Self> {
        let mut devt = 0u32;
        // SAFETY: `devt` is a valid out-parameter; the name is static, as
        // /proc/devices keeps the pointer.
        to_result(unsafe { ffi::alloc_chrdev_region(&mut devt, 0, count, name.as_char_ptr()) })?;
        // INVARIANT: registered just above, at minor 0 of a new major.
        Ok(Self {
            major: devt >> MINOR_BITS,
            count,
        })
    }

    pub(crate) fn major(&self) -> u32 {
        self.major
    }
}

impl Drop for ChrdevRegion {
    fn drop(&mut self) {
        // SAFETY: the range is ours (type invariant).
        unsafe { ffi::unregister_chrdev_region(self.major << MINOR_BITS, self.count) };
    }
}
