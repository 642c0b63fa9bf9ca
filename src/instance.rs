// SPDX-License-Identifier: GPL-2.0

//! An instance: one mount of devnsfs, owned by the mounter's user
//! namespace, with its own devices and limits, and its control node.

mod control;

use crate::{
    class::{Class, NewDevice},
    device::{Device, Name},
    devnum::DevNumbers,
    sys::UeventSenders,
    tenant::Budgets,
    uevent::{Action, Event},
    vfs::{InodePrivate, Kgid, Kuid, Node, NodeSpec, RootLocked, SuperRef, UnlinkCall},
};
use core::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering};
use kernel::{
    c_str,
    init::InPlaceWrite,
    new_mutex,
    prelude::*,
    rbtree::{RBTree, RBTreeNode, RBTreeNodeReservation},
    sync::{Arc, Mutex, UniqueArc},
};

/// Inode number of the control node; device nodes use id + 2.
const CONTROL_INO: u64 = 2;

/// What every instance shares: the number allocator, the budgets and the
/// uevent senders.
pub(crate) struct Globals {
    numbers: Arc<DevNumbers>,
    budgets: Arc<Budgets>,
    uevents: UeventSenders,
}

impl Globals {
    /// Reserves the first major and registers the uevent senders; all go
    /// when the last instance and the registration have let go.
    pub(crate) fn new() -> Result<Arc<Self>> {
        let globals = Self {
            numbers: DevNumbers::new()?,
            budgets: Budgets::new()?,
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
    /// `-o std`: start with what a container's /dev holds.
    pub(crate) std: bool,
}

/// `-o std`'s devices, (name, class): the OCI runtime specification's
/// default devices. Their nodes are 0666, as a runtime makes them.
const STD_DEVICES: [(&[u8], &[u8]); 6] = [
    (b"null", b"null"),
    (b"zero", b"zero"),
    (b"full", b"full"),
    (b"random", b"random"),
    (b"urandom", b"random"),
    (b"tty", b"tty"),
];
const STD_MODE: u16 = 0o666;

/// `-o std`'s symlinks, (name, target): the specification's "dev symbolic
/// links" and /dev/ptmx for the devpts the runtime mounts on pts.
const STD_SYMLINKS: [(&[u8], &CStr); 5] = [
    (b"fd", c_str!("/proc/self/fd")),
    (b"stdin", c_str!("/proc/self/fd/0")),
    (b"stdout", c_str!("/proc/self/fd/1")),
    (b"stderr", c_str!("/proc/self/fd/2")),
    (b"ptmx", c_str!("pts/ptmx")),
];

/// `-o std`'s directories, for the runtime to mount devpts, a tmpfs and
/// mqueue on.
const STD_DIRS: [&[u8]; 3] = [b"pts", b"shm", b"mqueue"];

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
    pub(crate) uid: Kuid,
    pub(crate) gid: Kgid,
    pub(crate) explicit_owner: (bool, bool),
    /// Whether it was mounted with `-o std` (mountinfo shows it).
    pub(crate) std: bool,
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
                globals,
                seqnum: AtomicU64::new(0),
                uid: s.uid,
                gid: s.gid,
                explicit_owner: s.explicit_owner,
                std: s.std,
                mode: AtomicU16::new(s.mode),
                ctlmode: AtomicU16::new(s.ctlmode),
                max: AtomicU32::new(s.max),
                control,
                devices <- new_mutex!(
                    Devices { by_name: RBTree::new(), count: 0 },
                    "Instance::devices"
                ),
            }),
            GFP_KERNEL_ACCOUNT,
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
    ) -> Result {
        let root = sb.lock_root_killable()?;
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
        Ok(())
    }

    /// Creates device `name` of `class` and its node in `sb`, this
    /// instance's superblock, with the directories on its path that are
    /// missing (owned like the nodes, mode 0755). `confirm` sees the device
    /// before anyone else can (it must not sleep on user memory: the root
    /// is locked); if it fails, the device never appears, nor do its
    /// directories, and no uevent is sent.
    ///
    /// Everything that can fail for want of memory or of a name is done
    /// before the device number is spent, so that only a failed `confirm`
    /// wastes one (numbers are never handed out twice).
    pub(crate) fn add(
        &self,
        sb: SuperRef<'_>,
        name: Name,
        class: &'static Class,
        host_number: (u32, u32),
        confirm: impl FnOnce(&Device) -> Result,
    ) -> Result<Arc<Device>> {
        self.add_with_mode(sb, name, class, host_number, self.mode(), confirm)
    }

    /// Fills a new `-o std` instance in `sb`: its devices (which spend
    /// numbers and count against `max=` as any ADD), symlinks and
    /// directories. A failure fails the mount.
    pub(crate) fn populate_std(&self, sb: SuperRef<'_>) -> Result {
        for (name, class) in STD_DEVICES {
            let class = crate::class::find(class).ok_or(EINVAL)?;
            let name = Name::from_entry(name)?;
            self.add_with_mode(sb, name, class, (0, 0), STD_MODE, |_| Ok(()))?;
        }
        let root = sb.lock_root_killable()?;
        for (name, target) in STD_SYMLINKS {
            root.make_symlink(name, target)?;
        }
        for name in STD_DIRS {
            root.make_dir(name)?;
        }
        Ok(())
    }

    /// `add` with node permissions `mode`.
    fn add_with_mode(
        &self,
        sb: SuperRef<'_>,
        name: Name,
        class: &'static Class,
        host_number: (u32, u32),
        mode: u16,
        confirm: impl FnOnce(&Device) -> Result,
    ) -> Result<Arc<Device>> {
        let root = sb.lock_root_killable()?;
        let owner = sb.user_ns();
        // Before the table's lock: it locks the directory the node goes in,
        // whose lock (a node's class) nests outside the table's, as
        // unlink(2) nests them.
        let prepared = root.prepare_node(name.as_bytes())?;
        let mut devices = self.devices.lock();
        if devices.by_name.get(&name).is_some() {
            return Err(EEXIST);
        }
        if devices.count >= self.max() {
            return Err(ENOSPC);
        }
        let state = class.create(&NewDevice {
            owner,
            budgets: &self.globals.budgets,
            host_number,
        })?;
        let slot = RBTreeNodeReservation::new(GFP_KERNEL_ACCOUNT)?;
        let memory = UniqueArc::new_uninit(GFP_KERNEL_ACCOUNT)?;
        let globals = &self.globals;
        let number = globals
            .budgets
            .spend_number(owner, || globals.numbers.alloc(!owner.is_initial()))?;
        let init = Device::new(name, class, number, mode, state);
        let device: Arc<Device> = match memory.write_pin_init(init) {
            Ok(device) => device.into(),
            Err(never) => match never {},
        };
        // Before the device is visible: on failure it goes unseen.
        confirm(&device)?;
        // Nothing below can fail.
        let node = prepared.instantiate::<InodePrivate<Device>>(
            &NodeSpec {
                name: device.name.as_bytes(),
                // Ids are far below u64::MAX; a wrap would only repeat
                // an inode number.
                ino: number.id.wrapping_add(CONTROL_INO),
                perm: device.mode,
                devt: device.devt(),
                uid: self.uid,
                gid: self.gid,
            },
            Some(device.clone()),
        );
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

    /// The device called `name` in `sb`, this instance's superblock.
    pub(crate) fn find(&self, name: &Name) -> Result<Arc<Device>> {
        let devices = self.devices.lock();
        devices
            .by_name
            .get(name)
            .map(|e| e.device.clone())
            .ok_or(ENOENT)
    }

    /// Removes device `name` from `sb`, this instance's superblock. It is
    /// revoked first, holding no directory lock (a tenant's reader of a
    /// directory can hold its lock for as long as a page fault on its
    /// buffer takes, and must not put off taking a device back); then its
    /// node is removed and, with the root unlocked, the calls in flight
    /// are waited for. `EBUSY`, changing nothing, while the node is a
    /// mount point. `EINTR` if the remover is killed while it waits for a
    /// directory: the device stays revoked and listed, and a later REMOVE
    /// finishes.
    pub(crate) fn remove(&self, sb: SuperRef<'_>, name: &Name) -> Result {
        let (device, node) = {
            let devices = self.devices.lock();
            let entry = devices.by_name.get(name).ok_or(ENOENT)?;
            (entry.device.clone(), entry.node.counted())
        };
        node.forbid_mounts()?;
        device.revoke();
        let root = sb.lock_root_killable()?;
        // Its directory locked before the table (the order of unlink(2)).
        let parent = root.lock_parent(&node)?;
        drop(node);
        // Gone meanwhile (unlink(2) or another REMOVE): done.
        let Ok(taken) = self.take(name, |e| Arc::ptr_eq(&e.device, &device)) else {
            return Ok(());
        };
        let (_, entry) = taken.to_key_value();
        root.remove(parent, entry.node);
        self.notify(&root, Action::Remove, &entry.device);
        drop(root);
        entry.device.wait_revoked();
        Ok(())
    }

    /// `unlink(2)` of a node: the control node stays, a device goes as
    /// with `DEVNSFS_IOC_REMOVE` (the VFS has refused a local mount point
    /// and detaches others after this returns), except that the VFS holds
    /// the directory locked throughout, so unlink does not wait for calls
    /// in flight: they end at their next page, or when woken.
    pub(crate) fn unlink(&self, root: &RootLocked<'_>, call: UnlinkCall) -> Result {
        if call.name() == crate::device::CONTROL_NAME {
            return Err(EPERM);
        }
        let name = Name::from_entry(call.name())?;
        let (_, entry) = self
            .take(&name, |e| e.node.is_unlinked_by(&call))?
            .to_key_value();
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
            major: device.rdev().0,
            minor: device.rdev().1,
            mode: device.mode,
            class: device.class.name(),
            id: device.number.id,
            seqnum: self.seqnum.fetch_add(1, Ordering::Relaxed) + 1,
        }
        .send(&self.globals.uevents, sb.user_ns());
    }

    /// Takes device `name` out of the table if its entry `matches`; the
    /// tree node comes along, so that `put_back` cannot fail.
    fn take(
        &self,
        name: &Name,
        matches: impl FnOnce(&Entry) -> bool,
    ) -> Result<RBTreeNode<Name, Entry>> {
        let mut devices = self.devices.lock();
        if !devices.by_name.get(name).is_some_and(matches) {
            return Err(ENOENT);
        }
        let node = devices.by_name.remove_node(name).ok_or(ENOENT)?;
        devices.count -= 1;
        Ok(node)
    }
}
