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
    vfs::{cap, File, Forwarding, PollTable, ProxySlot, Revocable, MINOR_BITS},
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{c_str, prelude::*, sync::Arc};

/// The state of one pass-through device.
#[pin_data]
pub(crate) struct HostDevice {
    major: u32,
    minor: u32,
    forwarding: Forwarding,
    /// The symbol whose export shows that the driver is there, for the
    /// self-service classes.
    driver: Option<&'static CStr>,
    /// Set once the node is removed: its proxied files stop forwarding.
    revoked: AtomicBool,
    /// Pollers of the proxied files, woken by the removal.
    #[pin]
    pollers: sys::PollQueue,
    /// The proxy of its proxied files.
    #[pin]
    proxy: ProxySlot,
}

impl HostDevice {
    fn new(
        (major, minor): (u32, u32),
        forwarding: Forwarding,
        driver: Option<&'static CStr>,
    ) -> Result<Arc<Self>> {
        if let Some(symbol) = driver {
            require_driver(symbol)?;
        }
        Arc::pin_init(
            pin_init!(Self {
                major,
                minor,
                forwarding,
                driver,
                revoked: AtomicBool::new(false),
                pollers <- sys::PollQueue::new(),
                proxy <- ProxySlot::new(),
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

    /// How a file being opened on the node is to be forwarded, after the
    /// checks of an open: `ENODEV` once removed; `ENXIO` if a self-service
    /// class's driver has gone (opening its number could load the module
    /// again, on the opener's behalf). The proxy itself never proxies a
    /// tty (see `tty`), whatever class reached it.
    pub(crate) fn open_forwarding(&self) -> Result<Forwarding> {
        if self.is_revoked() {
            return Err(ENODEV);
        }
        if let Some(symbol) = self.driver {
            require_driver(symbol)?;
        }
        Ok(self.forwarding)
    }

    /// The proxy of its proxied files.
    pub(crate) fn proxy(&self) -> &ProxySlot {
        &self.proxy
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
    // dev_t has 12 bits of major and MINOR_BITS of minor; major 0 is no
    // character driver's (and 0:0 is the whiteout, which device cgroups
    // never check).
    if major == 0 || major >= 1 << (32 - MINOR_BITS) || minor >= 1 << MINOR_BITS {
        return Err(EINVAL);
    }
    if !sys::capable(cap::MKNOD) {
        return Err(EPERM);
    }
    sys::devcgroup_may_mknod(major, minor)?;
    HostDevice::new((major, minor), Forwarding::Proxied, None)
}

/// `tty` (5:0): the opener's controlling terminal. Never proxied, nor is
/// any tty of the `host` class: the tty layer finds a terminal's files by
/// their `f_op` to hang them up (vhangup(2), a modem's carrier loss) and
/// for the secure attention key, so a proxied file would escape both and
/// could read the next session's input.
fn tty(_: &NewDevice<'_>) -> Result<Arc<HostDevice>> {
    HostDevice::new((5, 0), Forwarding::Direct, None)
}

/// `tun` (10:200, /dev/net/tun).
fn tun(_: &NewDevice<'_>) -> Result<Arc<HostDevice>> {
    if params::TUN_CLASS.get() == 0 {
        return Err(EPERM);
    }
    HostDevice::new(
        (10, 200),
        Forwarding::Proxied,
        Some(c_str!("tun_get_socket")),
    )
}

/// `fuse` (10:229). Not proxied: a fuse mount accepts only a file whose
/// `f_op` is fuse_dev_operations (fuse_fill_super()).
fn fuse(_: &NewDevice<'_>) -> Result<Arc<HostDevice>> {
    if params::FUSE_CLASS.get() == 0 {
        return Err(EPERM);
    }
    HostDevice::new(
        (10, 229),
        Forwarding::Direct,
        Some(c_str!("fuse_dev_operations")),
    )
}

/// `kvm` (10:232), if the host allows it (module parameter `kvm_class`).
fn kvm(_: &NewDevice<'_>) -> Result<Arc<HostDevice>> {
    if params::KVM_CLASS.get() == 0 {
        return Err(EPERM);
    }
    HostDevice::new((10, 232), Forwarding::Proxied, Some(c_str!("kvm_init")))
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
