// SPDX-License-Identifier: GPL-2.0

//! Kernel sender sockets for NETLINK_KOBJECT_UEVENT, one per network
//! namespace, indexed by the user namespace that owns the netns.
//!
//! lib/kobject_uevent.c keeps its per-netns kernel socket private, and a
//! second kernel socket (`netlink_kernel_create`) cannot bind portid 0 in
//! the same netns. A socket made with `sock_create_kern()` can still
//! `netlink_broadcast()` to group 1: the message carries portid 0 and the
//! credentials set in `NETLINK_CB`, which is all udev and libudev check.
//! Pernet operations keep the index current as network namespaces come and
//! go, so sending costs O(log users + netns of that user namespace).

use crate::{ffi, vfs::UserNs};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::{error::to_result, new_mutex, prelude::*, rbtree::RBTree, sync::Mutex, types::Opaque};

/// `SOCK_RAW` of `enum sock_type` (include/linux/net.h).
const SOCK_RAW: i32 = 3;
/// The kernel's uevent multicast group.
const UEVENT_GROUP: u32 = 1;

/// A netns's sender socket.
struct Sender(*mut ffi::socket);

// SAFETY: the socket is only used under the index mutex, and lives until
// `net_exit` takes it out of the index.
unsafe impl Send for Sender {}

/// (owning user namespace, netns), by address → that netns's sender. The
/// netns owned by one user namespace are adjacent in the tree.
#[pin_data]
struct Index {
    #[pin]
    by_owner: Mutex<RBTree<(usize, usize), Sender>>,
}

/// The index while pernet operations are registered; null otherwise.
static INDEX: AtomicPtr<Index> = AtomicPtr::new(core::ptr::null_mut());

struct PernetSlot(Opaque<ffi::pernet_operations>);

// SAFETY: written only by `Registration::new` before it registers the
// operations (at most one registration: module init), then owned by the
// network core.
unsafe impl Sync for PernetSlot {}

static PERNET: PernetSlot = PernetSlot(Opaque::uninit());

/// Keeps the pernet operations registered; unregisters them on drop.
pub(crate) struct Registration {
    index: Pin<KBox<Index>>,
}

impl Registration {
    /// Registers the pernet operations: `net_init` runs at once for every
    /// existing netns. Called once, from module init.
    pub(crate) fn new() -> Result<Self> {
        let index = KBox::pin_init(
            pin_init!(Index { by_owner <- new_mutex!(RBTree::new()) }),
            GFP_KERNEL,
        )?;
        let ops = PERNET.0.get();
        // SAFETY: the operations are not registered (module init runs
        // once); an all-zero `pernet_operations` is valid.
        unsafe {
            ops.write_bytes(0, 1);
            (*ops).init = Some(net_init);
            (*ops).exit = Some(net_exit);
        }
        INDEX.store((&*index as *const Index).cast_mut(), Ordering::Release);
        // SAFETY: `ops` is initialised and static.
        if let Err(e) = to_result(unsafe { ffi::register_pernet_subsys(ops) }) {
            INDEX.store(core::ptr::null_mut(), Ordering::Release);
            return Err(e);
        }
        Ok(Self { index })
    }

    /// Sends `payload` to every netns owned by exactly `owner`, with the
    /// credentials of uid/gid 0 of `owner`. Best effort, like the kernel's
    /// own uevents: a netns without listeners, or out of memory, drops it.
    pub(crate) fn broadcast(&self, owner: UserNs, payload: &[u8]) {
        let Ok(len) = u32::try_from(payload.len()) else {
            return;
        };
        let owner_key = owner.as_ptr() as usize;
        // As lib/kobject_uevent.c does for a netns of another user
        // namespace: uid/gid 0 of the owner (listeners there see 0/0).
        let creds = ffi::scm_creds {
            pid: 0,
            uid: owner.root_uid().map_or(ffi::kuid_t { val: 0 }, |u| u.raw()),
            gid: owner.root_gid().map_or(ffi::kgid_t { val: 0 }, |g| g.raw()),
        };
        let mut index = self.index.by_owner.lock();
        let mut cursor = index.cursor_lower_bound(&(owner_key, 0));
        while let Some(c) = cursor {
            let (&(key_owner, _), sender) = c.current();
            if key_owner != owner_key {
                break;
            }
            // netlink_has_listeners() would spare the skb when nobody
            // listens, but it BUG()s on sockets not made by
            // netlink_kernel_create(); netlink_broadcast() drops it instead.
            // SAFETY: the socket lives while in the (locked) index; the skb
            // is ours until `netlink_broadcast` consumes it, `len` bytes fit.
            unsafe {
                let sk = (*sender.0).sk;
                let skb = ffi::devnsfs_alloc_skb(len);
                if skb.is_null() {
                    break;
                }
                let data = ffi::skb_put(skb, len);
                core::ptr::copy_nonoverlapping(payload.as_ptr(), data.cast(), payload.len());
                let cb = ffi::devnsfs_netlink_cb(skb);
                (*cb).portid = 0;
                (*cb).dst_group = UEVENT_GROUP;
                (*cb).creds = creds;
                // ENOBUFS and ESRCH (no listener) are not errors here.
                ffi::netlink_broadcast(sk, skb, 0, UEVENT_GROUP, ffi::GFP_KERNEL);
            }
            cursor = c.move_next();
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: registered in `new`; `net_exit` runs for every netns and
        // empties the index before this returns.
        unsafe { ffi::unregister_pernet_subsys(PERNET.0.get()) };
        INDEX.store(core::ptr::null_mut(), Ordering::Release);
    }
}

/// `pernet_operations.init`: a sender socket for the new netns. A failure
/// only means that netns gets no devnsfs uevents; it never blocks the
/// creation of the netns.
///
/// # Safety
///
/// Called by the network core with a netns being set up, while our
/// operations are registered.
unsafe extern "C" fn net_init(net: *mut ffi::net) -> i32 {
    // SAFETY: non-null while registered (set before registration).
    let Some(index) = (unsafe { INDEX.load(Ordering::Acquire).as_ref() }) else {
        return 0;
    };
    let mut sock: *mut ffi::socket = core::ptr::null_mut();
    // SAFETY: `net` is valid; `sock` is a valid out-parameter.
    let ret = unsafe {
        ffi::sock_create_kern(
            net,
            ffi::PF_NETLINK as i32,
            SOCK_RAW,
            ffi::NETLINK_KOBJECT_UEVENT as i32,
            &mut sock,
        )
    };
    if ret != 0 {
        return 0;
    }
    // SAFETY: `net` is valid and pins its owning user namespace.
    let owner = unsafe { ffi::devnsfs_net_user_ns(net) } as usize;
    let added = index
        .by_owner
        .lock()
        .try_create_and_insert((owner, net as usize), Sender(sock), GFP_KERNEL)
        .is_ok();
    if !added {
        // SAFETY: the socket was created above and is in no index.
        unsafe { ffi::sock_release(sock) };
    }
    0
}

/// `pernet_operations.exit`: the netns is going away.
///
/// # Safety
///
/// Called by the network core with a netns being dismantled, after
/// `net_init` ran for it.
unsafe extern "C" fn net_exit(net: *mut ffi::net) {
    // SAFETY: non-null while registered.
    let Some(index) = (unsafe { INDEX.load(Ordering::Acquire).as_ref() }) else {
        return;
    };
    // SAFETY: `net` is valid until this returns.
    let owner = unsafe { ffi::devnsfs_net_user_ns(net) } as usize;
    let released = index.by_owner.lock().remove(&(owner, net as usize));
    if let Some(Sender(sock)) = released {
        // SAFETY: created by `net_init`, now out of the index, so no
        // sender can use it.
        unsafe { ffi::sock_release(sock) };
    }
}
