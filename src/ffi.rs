// SPDX-License-Identifier: GPL-2.0

//! Raw C bindings: `kernel::bindings` plus what the module generates itself.
//!
//! Linux 6.12's `kernel::bindings` has only an opaque `struct fs_context` and
//! no `get_tree_nodev()`, so the build runs bindgen over
//! `ffi/bindings_helper.h` with the kernel's own flags. The generated items
//! shadow the glob import, so `ffi::fs_context` is the complete struct.

#[allow(
    dead_code,
    improper_ctypes,
    missing_docs,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unreachable_pub,
    unknown_lints,
    unnecessary_transmutes,
    unsafe_op_in_unsafe_fn,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
mod generated {
    pub(crate) use kernel::bindings::*;
    include!("ffi/bindings_generated.rs");
}

pub(crate) use generated::*;
