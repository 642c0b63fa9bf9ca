// SPDX-License-Identifier: GPL-2.0

//! Mount options through the kernel's fs_parser, for mount(2) and
//! fsopen()/fsconfig() alike.

use super::ids::{Kgid, Kuid, UserNs};
use crate::ffi;
use kernel::{c_str, prelude::*};

/// One entry of a filesystem's parameter table (`struct fs_parameter_spec`).
#[repr(transparent)]
pub(crate) struct ParamSpec(ffi::fs_parameter_spec);

// SAFETY: a spec is immutable and its pointers name static data.
unsafe impl Sync for ParamSpec {}

impl ParamSpec {
    const fn new(name: &'static CStr, opt: u8, kind: ffi::fs_param_type, data: usize) -> Self {
        Self(ffi::fs_parameter_spec {
            name: name.as_char_ptr(),
            type_: kind,
            opt,
            flags: 0,
            // CAST: fs_parser reads `data` of a u32 spec as the number base.
            data: data as *const core::ffi::c_void,
        })
    }

    /// A decimal `u32` (`fsparam_u32`).
    pub(crate) const fn u32(name: &'static CStr, opt: u8) -> Self {
        Self::new(name, opt, Some(ffi::fs_param_is_u32), 0)
    }

    /// An octal `u32` (`fsparam_u32oct`).
    pub(crate) const fn u32_octal(name: &'static CStr, opt: u8) -> Self {
        Self::new(name, opt, Some(ffi::fs_param_is_u32), 8)
    }

    /// A uid in the caller's user namespace (`fsparam_uid`).
    pub(crate) const fn uid(name: &'static CStr, opt: u8) -> Self {
        Self::new(name, opt, Some(ffi::fs_param_is_uid), 0)
    }

    /// A gid in the caller's user namespace (`fsparam_gid`).
    pub(crate) const fn gid(name: &'static CStr, opt: u8) -> Self {
        Self::new(name, opt, Some(ffi::fs_param_is_gid), 0)
    }

    /// A flag without a value (`fsparam_flag`).
    pub(crate) const fn flag(name: &'static CStr, opt: u8) -> Self {
        Self::new(name, opt, None, 0)
    }

    /// The terminating entry.
    pub(crate) const END: Self = Self(ffi::fs_parameter_spec {
        name: core::ptr::null(),
        type_: None,
        opt: 0,
        flags: 0,
        data: core::ptr::null(),
    });
}

/// A parsed option: which one, and its value.
pub(crate) struct Parsed(u8, ffi::fs_parse_result);

impl Parsed {
    pub(crate) fn opt(&self) -> u8 {
        self.0
    }

    pub(crate) fn u32(&self) -> u32 {
        // SAFETY: every field of the union is plain data, valid for any bits.
        unsafe { *self.1.__bindgen_anon_1.uint_32.as_ref() }
    }

    /// The uid of a `ParamSpec::uid` option (fs_parser rejected unmapped ones).
    pub(crate) fn uid(&self) -> Kuid {
        // SAFETY: as above.
        Kuid::from_raw(unsafe { *self.1.__bindgen_anon_1.uid.as_ref() })
            .unwrap_or(Kuid::GLOBAL_ROOT)
    }

    /// The gid of a `ParamSpec::gid` option.
    pub(crate) fn gid(&self) -> Kgid {
        // SAFETY: as above.
        Kgid::from_raw(unsafe { *self.1.__bindgen_anon_1.gid.as_ref() })
            .unwrap_or(Kgid::GLOBAL_ROOT)
    }
}

/// A filesystem context being set up, borrowed for one call.
///
/// # Invariants
///
/// `0` is a live `fs_context` for as long as the value exists: values are
/// made only by the `fs_context_operations` callbacks of this layer, on
/// their stack, and lent out as `&FsContext`.
pub(crate) struct FsContext(pub(super) *mut ffi::fs_context);

impl FsContext {
    /// The user namespace the instance being set up (or reconfigured)
    /// belongs to.
    pub(crate) fn user_ns(&self) -> UserNs<'_> {
        // SAFETY: the context is live (type invariant) and holds a
        // reference on `user_ns` for its whole life.
        unsafe { UserNs::from_raw((*self.0).user_ns) }
    }

    /// Logs `msg` as an error in the context's log (what `fsconfig`
    /// readers and dmesg show) and returns `EINVAL`, like invalfc().
    pub(crate) fn invalid(&self, msg: &CStr) -> Error {
        // SAFETY: `self.0` is valid; "%s" consumes exactly one C string.
        unsafe {
            let log = &mut (*self.0).log;
            ffi::logfc(
                log.log,
                log.prefix,
                b'e',
                c_str!("%s").as_char_ptr(),
                msg.as_char_ptr(),
            );
        }
        EINVAL
    }

    /// Runs fs_parser over `param` with `table`.
    ///
    /// # Safety
    ///
    /// `param` is the parameter the VFS passed with this context.
    pub(super) unsafe fn parse(
        &self,
        table: &'static [ParamSpec],
        param: *mut ffi::fs_parameter,
    ) -> Result<Parsed> {
        let mut result = ffi::fs_parse_result::default();
        // SAFETY: `table` ends with `ParamSpec::END` (the trait requires
        // it); the context and parameter are valid (function contract).
        let opt = unsafe {
            ffi::__fs_parse(
                &mut (*self.0).log,
                table.as_ptr().cast(),
                param,
                &mut result,
            )
        };
        kernel::error::to_result(opt)?;
        // `opt` is the `opt` byte of the matching table entry.
        Ok(Parsed(u8::try_from(opt).map_err(|_| EINVAL)?, result))
    }
}
