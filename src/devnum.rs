// SPDX-License-Identifier: GPL-2.0

//! Device numbers that are never handed out twice while the module is
//! loaded (Lutomirski's "ephemeral devices").
//!
//! Every device gets an id from a 64-bit counter that only increases; its
//! number derives from the id: id / minors_per_major picks a reserved major,
//! id % minors_per_major is the minor. Majors are reserved whole with
//! alloc_chrdev_region(), so no other driver can take those numbers, and
//! lazily, up to the `max_majors` module parameter. The last `reserved`
//! numbers of that range are kept for instances of the initial user
//! namespace; budgets per container are `tenant`'s.

use crate::{params, sys::ChrdevRegion, vfs::MINOR_BITS};
use core::num::NonZeroU64;
use kernel::{
    c_str, new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

/// Name of the reserved ranges in /proc/devices.
const REGION_NAME: &CStr = c_str!("devnsfs");

/// A device's identity: its id and the number derived from it.
#[derive(Clone, Copy)]
pub(crate) struct Number {
    pub(crate) id: u64,
    pub(crate) major: u32,
    pub(crate) minor: u32,
}

impl Number {
    /// The kernel's `dev_t`, MKDEV(major, minor).
    pub(crate) fn devt(self) -> u32 {
        (self.major << MINOR_BITS) | self.minor
    }
}

/// The module-wide number allocator.
///
/// Lock order: `DevNumbers::inner` is taken last (after `Budgets::ledger`).
#[pin_data]
pub(crate) struct DevNumbers {
    #[pin]
    inner: Mutex<Inner>,
    /// The first major, reserved at load; minor 0 is every control node's.
    first_major: u32,
    minors: u32,
    /// `minors` as a divisor: ids map to numbers without a panicking path.
    per_major: NonZeroU64,
    max_majors: usize,
    /// The first id past the range: max_majors * minors.
    end_id: u64,
    /// Ids only uncharged (initial-namespace) instances may take.
    reserved: u64,
}

struct Inner {
    /// The reserved majors, in the order ids reach them; released when
    /// the allocator goes (module unload: no device is left by then).
    majors: KVec<ChrdevRegion>,
    next_id: u64,
}

impl DevNumbers {
    /// Reserves the first major and reads the module parameters.
    pub(crate) fn new() -> Result<Arc<Self>> {
        let minors = params::MINORS_PER_MAJOR.get().clamp(2, 1 << MINOR_BITS);
        let max_majors = usize::try_from(params::MAX_MAJORS.get().max(1)).map_err(|_| EINVAL)?;
        let mut majors = KVec::with_capacity(max_majors, GFP_KERNEL)?;
        let first = ChrdevRegion::reserve(params::MAJOR.get(), 0, minors, REGION_NAME)?;
        let first_major = first.major();
        // Cannot fail: there is room for max_majors (at least 1).
        majors.push(first, GFP_KERNEL)?;
        let end_id = u64::from(params::MAX_MAJORS.get().max(1)).saturating_mul(u64::from(minors));
        // At least 2 (clamped above).
        let per_major = NonZeroU64::new(u64::from(minors)).ok_or(EINVAL)?;
        Arc::pin_init(
            pin_init!(Self {
                inner <- new_mutex!(
                    Inner { majors, next_id: 1 },
                    "DevNumbers::inner"
                ),
                first_major,
                minors,
                per_major,
                max_majors,
                end_id,
                reserved: params::RESERVED.get().into(),
            }),
            GFP_KERNEL,
        )
    }

    /// The number of every control node: minor 0 of the first major, like
    /// ptmx in every devpts instance. No device gets it (ids start at 1).
    pub(crate) fn control(&self) -> Number {
        Number {
            id: 0,
            major: self.first_major,
            minor: 0,
        }
    }

    /// Hands out the next number. A `charged` (container) instance may not
    /// take the last `reserved` ones.
    ///
    /// `ENOSPC` when every major devnsfs may reserve is used up (or all but
    /// the reserve, for a charged instance); nothing changes on failure.
    pub(crate) fn alloc(&self, charged: bool) -> Result<Number> {
        let mut guard = self.inner.lock();
        let inner = &mut *guard;
        let id = inner.next_id;
        if charged && self.end_id.saturating_sub(id) <= self.reserved {
            return Err(ENOSPC);
        }
        let index = usize::try_from(id / self.per_major).map_err(|_| ENOSPC)?;
        let next_id = id.checked_add(1).ok_or(ENOSPC)?;
        if index >= inner.majors.len() {
            // One new major at a time: ids are consecutive.
            if inner.majors.len() >= self.max_majors {
                return Err(ENOSPC);
            }
            let offset = u32::try_from(inner.majors.len()).map_err(|_| ENOSPC)?;
            let region =
                ChrdevRegion::reserve(params::MAJOR.get(), offset, self.minors, REGION_NAME)
                    .map_err(|_| ENOSPC)?;
            // Cannot fail: the vector was created with room for max_majors
            // (on failure the region is released as it is dropped).
            inner.majors.push(region, GFP_KERNEL)?;
        }
        let major = inner.majors.get(index).ok_or(ENOSPC)?.major();
        inner.next_id = next_id;
        Ok(Number {
            id,
            major,
            // Below `minors`, a u32.
            minor: u32::try_from(id % self.per_major).map_err(|_| ENOSPC)?,
        })
    }
}
