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

    /// Reserves `count` minors (at most 2^20) of `major`, chosen by the
    /// host (module parameter `major`): `EBUSY` if any is taken.
    pub(crate) fn reserve_at(major: u32, count: u32, name: &'static CStr) -> Result<Self> {
        if major == 0 || major >= 1 << (32 - MINOR_BITS) {
            return Err(EINVAL);
        }
        // SAFETY: the name is static, as /proc/devices keeps the pointer.
        to_result(unsafe {
            ffi::register_chrdev_region(major << MINOR_BITS, count, name.as_char_ptr())
        })?;
        // INVARIANT: registered just above, at minor 0 of `major`.
        Ok(Self { major, count })
    }

    /// `reserve_at(major + offset)` if the host chose the first major
    /// (`first` not 0), else `reserve_major`.
    pub(crate) fn reserve(
        first: u32,
        offset: u32,
        count: u32,
        name: &'static CStr,
    ) -> Result<Self> {
        match first {
            0 => Self::reserve_major(count, name),
            first => Self::reserve_at(first.checked_add(offset).ok_or(EINVAL)?, count, name),
        }
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
