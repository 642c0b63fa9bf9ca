// SPDX-License-Identifier: GPL-2.0

//! Module parameters. Linux 6.12's `module!` has no parameter support, so
//! the `struct kernel_param` entries are laid out here as `module_param()`
//! lays them out in C: in the `__param` section, with `param_ops_uint`.

use crate::ffi;
use core::cell::UnsafeCell;

/// An unsigned int the module loader may set before `init` runs.
pub(crate) struct UintParam(UnsafeCell<u32>);

// SAFETY: the loader writes the value before the module's init; the
// parameter is read-only in sysfs (0444), so nothing writes it afterwards.
unsafe impl Sync for UintParam {}

impl UintParam {
    const fn new(value: u32) -> Self {
        Self(UnsafeCell::new(value))
    }

    pub(crate) fn get(&self) -> u32 {
        // SAFETY: no writer runs after init (see the `Sync` impl).
        unsafe { *self.0.get() }
    }
}

#[repr(transparent)]
struct ParamEntry(ffi::kernel_param);

// SAFETY: the entry is immutable; its pointers name static data.
unsafe impl Sync for ParamEntry {}

macro_rules! uint_param {
    ($name:ident, $entry:ident, $cname:literal, $default:expr, $desc:literal) => {
        #[doc = $desc]
        pub(crate) static $name: UintParam = UintParam::new($default);

        #[link_section = "__param"]
        #[used]
        static $entry: ParamEntry = ParamEntry(ffi::kernel_param {
            name: $cname.as_ptr().cast(),
            mod_: core::ptr::addr_of_mut!(ffi::__this_module),
            ops: core::ptr::addr_of!(ffi::param_ops_uint),
            perm: 0o444,
            level: -1,
            flags: 0,
            __bindgen_anon_1: ffi::kernel_param__bindgen_ty_1 {
                arg: $name.0.get().cast(),
            },
        });
    };
}

uint_param!(
    MAX_DEVICES,
    MAX_DEVICES_PARAM,
    c"max_devices",
    4096,
    "Default and ceiling of the max= mount option: live devices per instance."
);
uint_param!(
    MAX_MAJORS,
    MAX_MAJORS_PARAM,
    c"max_majors",
    8,
    "How many majors devnsfs may reserve; past them ADD fails with ENOSPC."
);
uint_param!(
    MINORS_PER_MAJOR,
    MINORS_PER_MAJOR_PARAM,
    c"minors_per_major",
    1 << 20,
    "Minors reserved per major (2^20, all of them; lower only to test)."
);
uint_param!(
    USER_BUDGET,
    USER_BUDGET_PARAM,
    c"user_budget",
    1 << 20,
    "Device numbers the containers of one host user may consume until reboot."
);
