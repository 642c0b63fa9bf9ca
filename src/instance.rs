// SPDX-License-Identifier: GPL-2.0

//! An instance: one mount of devnsfs, owned by the mounter's user
//! namespace, with its own devices and limits, and its control node.

mod control;

use crate::{
    class::Class,
    device::{Device, Name},
    devnum::DevNumbers,
    sys::UeventSenders,
    uevent::{Action, Event},
    vfs::{InodePrivate, Kgid, Kuid, Node, NodeSpec, RootLocked, SuperRef, UnlinkCall},
};
use core::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering};
use kernel::{
    new_mutex,
    prelude::*,
    rbtree::{RBTree, RBTreeNodeReservation},
    sync::{Arc, Mutex},
};

/// Inode number of the control node; device nodes use id + 2.
const CONTROL_INO: u64 = 2;

/// What every instance shares: the number allocator and the uevent senders.
pub(crate) struct Globals {
    numbers: Arc<DevNumbers>,
    uevents: UeventSenders,
}

impl Globals {
    /// Reserves the first major and registers the uevent senders; both go
    /// when the last instance and the registration have let go.
    pub(crate) fn new() -> Result<Arc<Self>> {
        let globals = Self {
            numbers: DevNumbers::new()?,
            uevents: UeventSenders::register()?,
        };
        Ok(Arc::new(globals, GFP_KERNEL)?)
    }
}

/// What an instance is set up with (from the mount options).
pub(crate) struct Settings {
    pub(crate) uid: Kuid,
    pub(crate) gid: Kgid,
    /// Whether uid= and gid= were given (mountinfo shows only those).
    pub(crate) explicit_owner: (bool, bool),
    pub(crate) mode: u16,
    pub(crate) ctlmode: u16,
    pub(crate) max: u32,
}

struct Entry {
    device: Arc<Device>,
    node: Node,
}

struct Devices {
    by_name: RBTree<Name, Entry>,
    count: u32,
}

/// One mount of devnsfs: the superblock's private data, dropped in
/// `kill_sb`. It keeps no pointer to its superblock: every call that needs
/// one is handed a borrowed [`SuperRef`] or [`RootLocked`].
///
/// Lock order: the root directory's inode lock, then `devices`.
#[pin_data]
pub(crate) struct Instance {
    globals: Arc<Globals>,
    /// SEQNUM of the last uevent: they count from 1, per instance.
    seqnum: AtomicU64,
    /// The host user whose budget this instance's numbers consume.
    charge: Option<Kuid>,
    pub(crate) uid: Kuid,
    pub(crate) gid: Kgid,
    pub(crate) explicit_owner: (bool, bool),
    mode: AtomicU16,
    ctlmode: AtomicU16,
    max: AtomicU32,
    control: Node,
    #[pin]
    devices: Mutex<Devices>,
}

impl Instance {
    /// Sets up the instance of `sb`, with its control node.
    pub(crate) fn new(sb: SuperRef<'_>, globals: Arc<Globals>, s: Settings) -> Result<Arc<Self>> {
        let control = sb.lock_root().create_node::<control::ControlFile>(
            &NodeSpec {
                name: crate::device::CONTROL_NAME,
                ino: CONTROL_INO,
                perm: s.ctlmode,
                devt: globals.numbers.control().devt(),
                uid: s.uid,
                gid: s.gid,
            },
            None,
        )?;
        // On failure below, kill_sb drops the control node with the rest.
        Arc::pin_init(
            pin_init!(Self {
                charge: sb.user_ns().host_owner(),
                globals,
                seqnum: AtomicU64::new(0),
                uid: s.uid,
                gid: s.gid,
                explicit_owner: s.explicit_owner,
                mode: AtomicU16::new(s.mode),
                ctlmode: AtomicU16::new(s.ctlmode),
                max: AtomicU32::new(s.max),
                control,
                devices <- new_mutex!(
                    Devices { by_name: RBTree::new(), count: 0 },
                    "Instance::devices"
                ),
            }),
            GFP_KERNEL,
        )
    }

    pub(crate) fn mode(&self) -> u16 {
        self.mode.load(Ordering::Relaxed)
    }

    pub(crate) fn ctlmode(&self) -> u16 {
        self.ctlmode.load(Ordering::Relaxed)
    }

    pub(crate) fn max(&self) -> u32 {
        self.max.load(Ordering::Relaxed)
    }

    /// Applies a remount: `mode` affects nodes created from now on,
    /// `ctlmode` the control node at once, `max` later additions.
    pub(crate) fn reconfigure(
        &self,
        sb: SuperRef<'_>,
        mode: Option<u16>,
        ctlmode: Option<u16>,
        max: Option<u32>,
    ) {
        let root = sb.lock_root();
        if let Some(mode) = mode {
            self.mode.store(mode, Ordering::Relaxed);
        }
        if let Some(ctlmode) = ctlmode {
            self.ctlmode.store(ctlmode, Ordering::Relaxed);
            self.control.set_perm(&root, ctlmode);
        }
        if let Some(max) = max {
            self.max.store(max, Ordering::Relaxed);
        }
    }

    /// Creates device `name` of `class` and its node in `sb`, this
    /// instance's superblock.
    pub(crate) fn add(
        &self,
        sb: SuperRef<'_>,
        name: Name,
        class: &'static Class,
    ) -> Result<Arc<Device>> {
        let root = sb.lock_root();
        let mut devices = self.devices.lock();
        if devices.by_name.get(&name).is_some() {
            return Err(EEXIST);
        }
        if devices.count >= self.max() {
            return Err(ENOSPC);
        }
        let state = class.create()?;
        let slot = RBTreeNodeReservation::new(GFP_KERNEL)?;
        // From here on the number is spent, even if a later step runs out
        // of memory: numbers are never handed out twice.
        let number = self.globals.numbers.alloc(self.charge)?;
        let device = Device::new(name, class, number, self.mode(), state)?;
        let node = root.create_node::<InodePrivate<Device>>(
            &NodeSpec {
                name: device.name.as_bytes(),
                ino: number.id + CONTROL_INO,
                perm: device.mode,
                devt: number.devt(),
                uid: self.uid,
                gid: self.gid,
            },
            Some(device.clone()),
        )?;
        let entry = Entry {
            device: device.clone(),
            node,
        };
        devices
            .by_name
            .insert(slot.into_node(device.name.clone(), entry));
        devices.count += 1;
        drop(devices);
        self.notify(&root, Action::Add, &device);
        Ok(device)
    }

    /// The device called `name`.
    pub(crate) fn find(&self, name: &Name) -> Result<Arc<Device>> {
        let devices = self.devices.lock();
        devices
            .by_name
            .get(name)
            .map(|e| e.device.clone())
            .ok_or(ENOENT)
    }

    /// Removes device `name` from `sb`, this instance's superblock:
    /// revokes it and removes its node.
    pub(crate) fn remove(&self, sb: SuperRef<'_>, name: &Name) -> Result {
        let root = sb.lock_root();
        let entry = self.take(name, |_| true)?;
        entry.device.revoke();
        root.remove(entry.node);
        self.notify(&root, Action::Remove, &entry.device);
        Ok(())
    }

    /// `unlink(2)` of a node: the control node stays, a device goes as
    /// with `DEVNSFS_IOC_REMOVE`.
    pub(crate) fn unlink(&self, root: &RootLocked<'_>, call: UnlinkCall) -> Result {
        if call.name() == crate::device::CONTROL_NAME {
            return Err(EPERM);
        }
        let name = Name::from_entry(call.name())?;
        let entry = self.take(&name, |node| node.is_unlinked_by(&call))?;
        entry.device.revoke();
        root.unlinked(entry.node, call)?;
        self.notify(root, Action::Remove, &entry.device);
        Ok(())
    }

    /// Sends the uevent of `action` on `device`. The root lock orders
    /// events as the changes they report.
    fn notify(&self, root: &RootLocked<'_>, action: Action, device: &Device) {
        let sb = root.super_block();
        Event {
            action,
            instance: sb.dev(),
            name: device.name.as_bytes(),
            major: device.number.major,
            minor: device.number.minor,
            mode: device.mode,
            class: device.class.name(),
            id: device.number.id,
            seqnum: self.seqnum.fetch_add(1, Ordering::Relaxed) + 1,
        }
        .send(&self.globals.uevents, sb.user_ns());
    }

    /// Takes device `name` out of the table if `matches` its node.
    fn take(&self, name: &Name, matches: impl FnOnce(&Node) -> bool) -> Result<Entry> {
        let mut devices = self.devices.lock();
        if !devices.by_name.get(name).is_some_and(|e| matches(&e.node)) {
            return Err(ENOENT);
        }
        let entry = devices.by_name.remove(name).ok_or(ENOENT)?;
        devices.count -= 1;
        Ok(entry)
    }
}
