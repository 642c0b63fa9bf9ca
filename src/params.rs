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

/// A NUL-terminated copy of `s`, for the `.modinfo` section.
const fn modinfo<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < bytes.len() && i + 1 < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

macro_rules! uint_param {
    ($name:ident, $entry:ident, $cname:literal, $default:expr, $desc:literal) => {
        uint_param!(@info $entry, "parmtype=", $cname, ":uint");
        uint_param!(@info $name, "parm=", $cname, ":", $desc);

        #[doc = $desc]
        pub(crate) static $name: UintParam = UintParam::new($default);

        #[link_section = "__param"]
        #[used]
        static $entry: ParamEntry = ParamEntry(ffi::kernel_param {
            name: concat!($cname, "\0").as_ptr(),
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
    // What modinfo(8) shows, as MODULE_PARM_DESC() and module_param() emit it.
    (@info $tag:ident, $($part:expr),+) => {
        const _: () = {
            const TEXT: &str = concat!($($part),+);
            #[link_section = ".modinfo"]
            #[used]
            static $tag: [u8; TEXT.len() + 1] = modinfo(TEXT);
        };
    };
}

uint_param!(
    MAX_DEVICES,
    MAX_DEVICES_PARAM,
    "max_devices",
    4096,
    "Default and ceiling of the max= mount option: live devices per instance."
);
uint_param!(
    MAX_MAJORS,
    MAX_MAJORS_PARAM,
    "max_majors",
    8,
    "How many majors devnsfs may reserve; past them ADD fails with ENOSPC."
);
uint_param!(
    MINORS_PER_MAJOR,
    MINORS_PER_MAJOR_PARAM,
    "minors_per_major",
    1 << 20,
    "Minors reserved per major (2^20, all of them; lower only to test)."
);
uint_param!(
    USER_BUDGET,
    USER_BUDGET_PARAM,
    "user_budget",
    1 << 20,
    "Device numbers the containers of one host user may consume until reboot."
);
