// SPDX-License-Identifier: GPL-2.0

//! Kernel sender sockets for NETLINK_KOBJECT_UEVENT, one in every network
//! namespace.
//!
//! lib/kobject_uevent.c keeps its per-netns kernel socket private, and a
//! second kernel socket (`netlink_kernel_create`) cannot bind portid 0 in
//! the same netns. A socket made with `sock_create_kern()` can still
//! `netlink_broadcast()` to group 1: the message carries portid 0 and the
//! credentials set in `NETLINK_CB`, which is all udev and libudev check.

use super::pernet::{Net, PernetRegistration, PernetSlot, PernetState};
use crate::{
    ffi,
    vfs::{Kgid, Kuid, UserNs},
};
use core::{ops::ControlFlow, ptr::NonNull};
use kernel::prelude::*;

/// `SOCK_RAW` of `enum sock_type` (include/linux/net.h).
const SOCK_RAW: i32 = 3;
/// The kernel's uevent multicast group.
const UEVENT_GROUP: u32 = 1;

/// The uevent sender socket of one netns.
///
/// # Invariants
///
/// `sock` was made by `sock_create_kern()` in a netns and is released by
/// `Drop` alone. A kernel socket does not pin its netns, so the value
/// lives only in the pernet index, whose exit callback drops it before the
/// netns goes: nothing else can make or keep one.
pub(crate) struct UeventSender {
    sock: NonNull<ffi::socket>,
}

// SAFETY: netlink_broadcast() may be called on one socket from any number
// of threads at once (the kernel's own uevent socket is); release happens
// once, in `Drop`.
unsafe impl Send for UeventSender {}
// SAFETY: as above.
unsafe impl Sync for UeventSender {}

static SLOT: PernetSlot<UeventSender> = PernetSlot::new();

impl PernetState for UeventSender {
    fn new(net: Net<'_>) -> Result<Self> {
        let mut sock: *mut ffi::socket = core::ptr::null_mut();
        // SAFETY: `net` is live; `sock` is a valid out-parameter.
        kernel::error::to_result(unsafe {
            ffi::sock_create_kern(
                net.as_ptr(),
                // CAST: small protocol-family and protocol constants.
                ffi::PF_NETLINK as i32,
                SOCK_RAW,
                // CAST: as above.
                ffi::NETLINK_KOBJECT_UEVENT as i32,
                &mut sock,
            )
        })?;
        // INVARIANT: made just above; the pernet index owns the value.
        NonNull::new(sock).map(|sock| Self { sock }).ok_or(ENOMEM)
    }

    fn slot() -> &'static PernetSlot<Self> {
        &SLOT
    }
}

impl UeventSender {
    /// Broadcasts `payload` to the uevent group of the socket's netns with
    /// `creds`. `ENOMEM` if no buffer could be had; no listener is no error.
    fn broadcast(&self, payload: &[u8], creds: &ffi::scm_creds) -> Result {
        let len = u32::try_from(payload.len()).map_err(|_| EINVAL)?;
        // SAFETY: a fresh skb is ours until netlink_broadcast() consumes it.
        let skb = unsafe { ffi::devnsfs_alloc_skb(len) };
        if skb.is_null() {
            return Err(ENOMEM);
        }
        // netlink_has_listeners() would spare the skb when nobody listens,
        // but it BUG()s on sockets not made by netlink_kernel_create();
        // netlink_broadcast() drops it instead.
        // SAFETY: the skb has room for `len` bytes (allocated so above);
        // the socket is live (type invariant).
        unsafe {
            let data = ffi::skb_put(skb, len);
            core::ptr::copy_nonoverlapping(payload.as_ptr(), data.cast(), payload.len());
            let cb = ffi::devnsfs_netlink_cb(skb);
            (*cb).portid = 0;
            (*cb).dst_group = UEVENT_GROUP;
            (*cb).creds = *creds;
            // ENOBUFS and ESRCH (no listener) are not errors here.
            ffi::netlink_broadcast(
                (*self.sock.as_ptr()).sk,
                skb,
                0,
                UEVENT_GROUP,
                ffi::GFP_KERNEL,
            );
        }
        Ok(())
    }
}

impl Drop for UeventSender {
    fn drop(&mut self) {
        // SAFETY: made by sock_create_kern() and released only here, while
        // its netns is still live (type invariant).
        unsafe { ffi::sock_release(self.sock.as_ptr()) };
    }
}

/// A uevent sender in every network namespace, for as long as the value
/// lives (one per module: a second registration is `EBUSY`).
pub(crate) struct UeventSenders(PernetRegistration<UeventSender>);

impl UeventSenders {
    pub(crate) fn register() -> Result<Self> {
        Ok(Self(PernetRegistration::register()?))
    }

    /// Sends `payload` into every netns owned by exactly `owner`, as from
    /// `uid`/`gid`. Best effort, like the kernel's own uevents: out of
    /// memory, the rest of the netns go without.
    pub(crate) fn broadcast(&self, owner: UserNs<'_>, payload: &[u8], uid: Kuid, gid: Kgid) {
        let creds = ffi::scm_creds {
            pid: 0,
            uid: uid.raw(),
            gid: gid.raw(),
        };
        self.0
            .for_each_owned_by(owner, |sender| match sender.broadcast(payload, &creds) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            });
    }
}
