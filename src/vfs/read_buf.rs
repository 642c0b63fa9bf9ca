// SPDX-License-Identifier: GPL-2.0

//! The user buffer of one read(2).

use crate::ffi;
use kernel::{prelude::*, types::AsBytes, uaccess::UserSlice};

/// What a read fills, front to back: `UserSliceWriter`'s copies plus
/// zeroing without a source (clear_user()), which is how /dev/zero reads.
pub(crate) struct ReadBuf {
    ptr: usize,
    len: usize,
}

impl ReadBuf {
    pub(crate) fn new(ptr: usize, len: usize) -> Self {
        Self { ptr, len }
    }

    /// Bytes still to fill.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn advance(&mut self, n: usize) {
        self.ptr = self.ptr.wrapping_add(n);
        self.len -= n;
    }

    /// Copies `data` out; `EFAULT` (nothing consumed) if it does not fit
    /// or the memory is not writable.
    pub(crate) fn write_slice(&mut self, data: &[u8]) -> Result {
        UserSlice::new(self.ptr, self.len)
            .writer()
            .write_slice(data)?;
        self.advance(data.len());
        Ok(())
    }

    /// Copies `value` out, as `write_slice` does its bytes.
    pub(crate) fn write<T: AsBytes>(&mut self, value: &T) -> Result {
        UserSlice::new(self.ptr, self.len).writer().write(value)?;
        self.advance(core::mem::size_of::<T>());
        Ok(())
    }

    /// Zeroes the next `n` bytes; on a fault returns how many were zeroed
    /// before it, as `Err`.
    pub(crate) fn zero(&mut self, n: usize) -> core::result::Result<(), usize> {
        if n > self.len {
            return Err(0);
        }
        // CAST: the user address back to the pointer clear_user() takes.
        let to = self.ptr as *mut core::ffi::c_void;
        // SAFETY: clear_user() checks that the range is user memory
        // (access_ok()) and survives faults in it, like copy_to_user().
        let left = unsafe { ffi::devnsfs_clear_user(to, n) };
        let done = n - left.min(n);
        self.advance(done);
        if left == 0 {
            Ok(())
        } else {
            Err(done)
        }
    }
}
