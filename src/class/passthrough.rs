// SPDX-License-Identifier: GPL-2.0

//! Classes whose devices are host drivers' devices, opened through the
//! pass-through of vfs/proxy.rs, and the policy of who may add which.
//!
//! - `host`: any host character device, named by number. It grants access
//!   to a host resource, so it needs CAP_MKNOD in the initial user
//!   namespace and the adder's device cgroup must allow mknod of it, as
//!   for mknod(2) on the host.
//! - `tty`, `tun`, `fuse`: self-service, any container may add them,
//!   because their drivers confine what an opener can do to what the
//!   opener's own namespaces allow: 5:0 is the opener's controlling
//!   terminal; tun's TUNSETIFF needs CAP_NET_ADMIN over the network
//!   namespace; fuse mounts are allowed in user namespaces and checked
//!   there. `kvm` likewise, but only when the `kvm_class` parameter says
//!   so: KVM's attack surface is the host kernel's, a host's decision.
//!
//! Opening such a node opens the host driver; the opener's device cgroup
//! sees the host's number. See Documentation for what revocation can and
//! cannot take back.

use super::{Class, NewDevice};
use crate::{
    params, sys,
    vfs::{cap, open_host, File, Forwarding, PollTable, Revocable, MINOR_BITS},
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{c_str, prelude::*, sync::Arc};

/// The state of one pass-through device.
#[pin_data]
pub(crate) struct HostDevice {
    major: u32,
    minor: u32,
    forwarding: Forwarding,
    /// Set once the node is removed: its proxied files stop forwarding.
    revoked: AtomicBool,
    /// Pollers of the proxied files, woken by the removal.
    #[pin]
    pollers: sys::PollQueue,
}

impl HostDevice {
    fn new(major: u32, minor: u32, forwarding: Forwarding) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Self {
                major,
                minor,
                forwarding,
                revoked: AtomicBool::new(false),
                pollers <- sys::PollQueue::new(),
            }),
            GFP_KERNEL_ACCOUNT,
        )
    }

    /// The host's device number, which the node and its uevents carry.
    pub(crate) fn number(&self) -> (u32, u32) {
        (self.major, self.minor)
    }

    /// Cuts the proxied files off and wakes their pollers. Files of
    /// `Forwarding::Direct` are the drivers' own and stay as they are.
    pub(crate) fn revoke(&self) {
        self.revoked.store(true, Ordering::Release);
        self.pollers.wake_all();
    }

    /// Opens the host driver for `file`, being opened on the node.
    pub(crate) fn open(this: &Arc<Self>, file: &File) -> Result {
        if this.is_revoked() {
            return Err(ENODEV);
        }
        open_host(file, this.forwarding, this.clone())
    }
}

impl Revocable for HostDevice {
    fn is_revoked(&self) -> bool {
        self.revoked.load(Ordering::Acquire)
    }

    fn poll_wait(&self, file: &File, table: &PollTable) {
        self.pollers.poll_wait(file, table);
    }
}

/// `host`: the host device the adder names.
fn host(new: &NewDevice<'_>) -> Result<Arc<HostDevice>> {
    let (major, minor) = new.host_number;
    // dev_t has 12 bits of major and MINOR_BITS of minor.
    if major >= 1 << (32 - MINOR_BITS) || minor >= 1 << MINOR_BITS {
        return Err(EINVAL);
    }
    if !sys::capable(cap::MKNOD) {
        return Err(EPERM);
    }
    sys::devcgroup_may_mknod(major, minor)?;
    HostDevice::new(major, minor, Forwarding::Proxied)
}

/// `tty` (5:0): the opener's controlling terminal. Not proxied: a tty
/// revokes its files itself (hangup swaps their `f_op`, which a proxy
/// would hide from it), and what it reaches is the opener's own.
fn tty(_: &NewDevice<'_>) -> Result<Arc<HostDevice>> {
    HostDevice::new(5, 0, Forwarding::Direct)
}

/// `tun` (10:200, /dev/net/tun).
fn tun(_: &NewDevice<'_>) -> Result<Arc<HostDevice>> {
    require_driver(c_str!("tun_get_socket"))?;
    HostDevice::new(10, 200, Forwarding::Proxied)
}

/// `fuse` (10:229). Not proxied: a fuse mount accepts only a file whose
/// `f_op` is fuse_dev_operations (fuse_fill_super()).
fn fuse(_: &NewDevice<'_>) -> Result<Arc<HostDevice>> {
    require_driver(c_str!("fuse_dev_operations"))?;
    HostDevice::new(10, 229, Forwarding::Direct)
}

/// `kvm` (10:232), if the host allows it (module parameter `kvm_class`).
fn kvm(_: &NewDevice<'_>) -> Result<Arc<HostDevice>> {
    if params::KVM_CLASS.get() == 0 {
        return Err(EPERM);
    }
    require_driver(c_str!("kvm_init"))?;
    HostDevice::new(10, 232, Forwarding::Proxied)
}

/// `ENXIO` unless the driver exporting `symbol` is built in or loaded.
/// devnsfs never loads a module on a container's behalf.
fn require_driver(symbol: &CStr) -> Result {
    if sys::symbol_present(symbol) {
        Ok(())
    } else {
        Err(ENXIO)
    }
}

pub(super) const HOST: Class = Class::host(c_str!("host"), host);
pub(super) const TTY: Class = Class::host(c_str!("tty"), tty);
pub(super) const TUN: Class = Class::host(c_str!("tun"), tun);
pub(super) const FUSE: Class = Class::host(c_str!("fuse"), fuse);
pub(super) const KVM: Class = Class::host(c_str!("kvm"), kvm);
