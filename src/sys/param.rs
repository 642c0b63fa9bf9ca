// SPDX-License-Identifier: GPL-2.0

//! Module parameters. Linux 6.12's `module!` has no parameter support, so
//! [`uint_param!`] lays the `struct kernel_param` entries out as
//! `module_param()` does in C: in the `__param` section, with
//! `param_ops_uint`. Staging code: newer kernels' `module!` takes `params`.

use crate::ffi;
use core::cell::UnsafeCell;

/// An unsigned int the module loader may set before `init` runs.
pub(crate) struct UintParam(UnsafeCell<u32>);

// SAFETY: the loader writes the value before the module's init; the
// parameter is read-only in sysfs (0444), so nothing writes it afterwards.
unsafe impl Sync for UintParam {}

impl UintParam {
    pub(crate) const fn new(value: u32) -> Self {
        Self(UnsafeCell::new(value))
    }

    pub(crate) fn get(&self) -> u32 {
        // SAFETY: no writer runs after init (see the `Sync` impl).
        unsafe { *self.0.get() }
    }

    /// Where the loader writes the value.
    pub(crate) const fn as_arg(&self) -> *mut core::ffi::c_void {
        self.0.get().cast()
    }
}

/// One `struct kernel_param`, as [`uint_param!`] lays it out.
#[repr(transparent)]
pub(crate) struct ParamEntry(pub(crate) ffi::kernel_param);

// SAFETY: the entry is immutable; its pointers name static data.
unsafe impl Sync for ParamEntry {}

/// A NUL-terminated copy of `s`, for the `.modinfo` section.
pub(crate) const fn modinfo<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < bytes.len() && i + 1 < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// Declares `static $name: UintParam` as a module parameter called
/// `$cname` (read-only in sysfs), with `$desc` for modinfo(8).
macro_rules! uint_param {
    ($name:ident, $entry:ident, $cname:literal, $default:expr, $desc:literal) => {
        uint_param!(@info $entry, "parmtype=", $cname, ":uint");
        uint_param!(@info $name, "parm=", $cname, ":", $desc);

        #[doc = $desc]
        pub(crate) static $name: $crate::sys::param::UintParam =
            $crate::sys::param::UintParam::new($default);

        #[link_section = "__param"]
        #[used]
        static $entry: $crate::sys::param::ParamEntry =
            $crate::sys::param::ParamEntry($crate::ffi::kernel_param {
                name: concat!($cname, "\0").as_ptr(),
                mod_: core::ptr::addr_of_mut!($crate::ffi::__this_module),
                ops: core::ptr::addr_of!($crate::ffi::param_ops_uint),
                perm: 0o444,
                level: -1,
                flags: 0,
                __bindgen_anon_1: $crate::ffi::kernel_param__bindgen_ty_1 {
                    arg: $name.as_arg(),
                },
            });
    };
    // What modinfo(8) shows, as MODULE_PARM_DESC() and module_param() emit it.
    (@info $tag:ident, $($part:expr),+) => {
        const _: () = {
            const TEXT: &str = concat!($($part),+);
            #[link_section = ".modinfo"]
            #[used]
            static $tag: [u8; TEXT.len() + 1] = $crate::sys::param::modinfo(TEXT);
        };
    };
}
pub(crate) use uint_param;
