// SPDX-License-Identifier: GPL-2.0

//! Budgets of what containers consume: device numbers, which are never
//! given back until reboot, and rtc devices with interrupts armed, which
//! are given back when the interrupts stop.
//!
//! A charge for an instance owned by user namespace N goes to N, to every
//! ancestor of N below the initial namespace, and to the host user who
//! created the first-level ancestor, as ucounts charge every level. So the
//! containers of one host user are bounded together by that user's budget
//! and each by its own namespace's, and a nested namespace spends its
//! parent's. Instances of the initial namespace (host root's own) are
//! charged nothing. Namespaces are told apart by a reference the ledger
//! holds on them, which it drops once it is the last one left: a namespace
//! cannot reset its budget by remounting, and a new namespace never inherits
//! a dead one's.

use crate::{
    params,
    sys::edquot,
    vfs::{Kuid, UserNs, UserNsRef},
};
use kernel::{
    new_mutex,
    prelude::*,
    rbtree::{RBTree, RBTreeNodeReservation},
    sync::{Arc, Mutex},
};

/// User namespaces nest at most 32 deep (MAX_USER_NAMESPACE_LEVEL).
const MAX_LEVELS: usize = 32;

/// What one charge is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resource {
    /// A device number, spent for good.
    Number,
    /// An rtc device whose update or periodic interrupt is on.
    ArmedRtc,
}

/// What one namespace or host user has consumed.
#[derive(Default)]
struct Spent {
    numbers: u64,
    armed: u32,
}

struct NsEntry {
    /// Keeps the key's namespace from being freed (and its address reused)
    /// while the entry exists.
    ns: UserNsRef,
    spent: Spent,
}

/// Everything charged so far.
struct Ledger {
    /// By namespace identity (`UserNs::key`).
    by_ns: RBTree<usize, NsEntry>,
    by_user: RBTree<Kuid, Spent>,
    /// Namespace entries added since dead namespaces were last swept out.
    added_since_sweep: usize,
}

/// The module-wide budgets.
///
/// Lock order: `Budgets::ledger` is taken after `Instance::devices` and an
/// rtc device's settings, and before `DevNumbers::inner`.
#[pin_data]
pub(crate) struct Budgets {
    #[pin]
    ledger: Mutex<Ledger>,
    user_numbers: u64,
    ns_numbers: u64,
    ns_armed: u32,
    user_armed: u32,
}

/// The namespaces a charge for `owner` goes to, innermost first, and the
/// host user of the outermost: `None` for the initial namespace.
struct Chain<'a> {
    levels: [Option<UserNs<'a>>; MAX_LEVELS],
    host: Option<Kuid>,
}

impl<'a> Chain<'a> {
    fn of(owner: UserNs<'a>) -> Option<Self> {
        if owner.is_initial() {
            return None;
        }
        let mut chain = Self {
            levels: [None; MAX_LEVELS],
            host: None,
        };
        let mut ns = Some(owner);
        for slot in chain.levels.iter_mut() {
            match ns {
                Some(level) if !level.is_initial() => {
                    *slot = Some(level);
                    chain.host = level.creator();
                    ns = level.parent();
                }
                _ => break,
            }
        }
        Some(chain)
    }

    fn levels(&self) -> impl Iterator<Item = UserNs<'a>> + '_ {
        self.levels.iter().map_while(|level| *level)
    }
}

impl Spent {
    fn has_room(&self, what: Resource, b: &Budgets, per_user: bool) -> bool {
        match what {
            Resource::Number if per_user => self.numbers < b.user_numbers,
            Resource::Number => self.numbers < b.ns_numbers,
            Resource::ArmedRtc if per_user => self.armed < b.user_armed,
            Resource::ArmedRtc => self.armed < b.ns_armed,
        }
    }

    fn add(&mut self, what: Resource) {
        match what {
            Resource::Number => self.numbers = self.numbers.saturating_add(1),
            Resource::ArmedRtc => self.armed = self.armed.saturating_add(1),
        }
    }

    fn sub(&mut self, what: Resource) {
        // Only armed rtc devices are given back.
        if what == Resource::ArmedRtc {
            self.armed = self.armed.saturating_sub(1);
        }
    }
}

impl Ledger {
    /// Whether every level of `chain` has an entry.
    fn has_entries(&self, chain: &Chain<'_>) -> bool {
        chain.levels().all(|ns| self.by_ns.get(&ns.key()).is_some())
            && chain
                .host
                .map_or(true, |uid| self.by_user.get(&uid).is_some())
    }

    /// Adds the entries `chain` lacks, from `spare`.
    fn add_entries(&mut self, chain: &Chain<'_>, spare: &mut Spare) {
        for ns in chain.levels() {
            if self.by_ns.get(&ns.key()).is_none() {
                if let Some(slot) = spare.take_ns() {
                    let entry = NsEntry {
                        ns: UserNsRef::new(ns),
                        spent: Spent::default(),
                    };
                    self.by_ns.insert(slot.into_node(ns.key(), entry));
                    self.added_since_sweep += 1;
                }
            }
        }
        if let Some(uid) = chain.host {
            if self.by_user.get(&uid).is_none() {
                if let Some(slot) = spare.user.take() {
                    self.by_user.insert(slot.into_node(uid, Spent::default()));
                }
            }
        }
    }

    /// Whether `what` fits every level of `chain` (which has its entries).
    fn has_room(&self, chain: &Chain<'_>, what: Resource, b: &Budgets) -> bool {
        chain.levels().all(|ns| {
            self.by_ns
                .get(&ns.key())
                .is_some_and(|e| e.spent.has_room(what, b, false))
        }) && chain.host.map_or(true, |uid| {
            self.by_user
                .get(&uid)
                .is_some_and(|s| s.has_room(what, b, true))
        })
    }

    fn update(&mut self, chain: &Chain<'_>, what: Resource, charge: bool) {
        let apply = |spent: &mut Spent| {
            if charge {
                spent.add(what)
            } else {
                spent.sub(what)
            }
        };
        for ns in chain.levels() {
            if let Some(entry) = self.by_ns.get_mut(&ns.key()) {
                apply(&mut entry.spent);
            }
        }
        if let Some(spent) = chain.host.and_then(|uid| self.by_user.get_mut(&uid)) {
            apply(spent);
        }
    }

    /// Drops the entries of namespaces nothing else references any more
    /// (they can never be charged again), once enough were added since the
    /// last sweep for its cost to be shared among them.
    fn sweep(&mut self) {
        if self.added_since_sweep < 64 {
            return;
        }
        self.added_since_sweep = 0;
        let mut cursor = self.by_ns.cursor_front();
        while let Some(c) = cursor {
            cursor = if c.current().1.ns.is_sole_reference() {
                c.remove_current().0
            } else {
                c.move_next()
            };
        }
    }
}

/// Tree nodes allocated before the ledger is locked: one per level.
struct Spare {
    ns: [Option<RBTreeNodeReservation<usize, NsEntry>>; MAX_LEVELS],
    user: Option<RBTreeNodeReservation<Kuid, Spent>>,
}

impl Spare {
    fn for_chain(chain: &Chain<'_>) -> Result<Self> {
        const NONE: Option<RBTreeNodeReservation<usize, NsEntry>> = None;
        let mut spare = Self {
            ns: [NONE; MAX_LEVELS],
            user: Some(RBTreeNodeReservation::new(GFP_KERNEL_ACCOUNT)?),
        };
        for (slot, _) in spare.ns.iter_mut().zip(chain.levels()) {
            *slot = Some(RBTreeNodeReservation::new(GFP_KERNEL_ACCOUNT)?);
        }
        Ok(spare)
    }

    fn take_ns(&mut self) -> Option<RBTreeNodeReservation<usize, NsEntry>> {
        self.ns.iter_mut().find_map(Option::take)
    }
}

impl Budgets {
    pub(crate) fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Self {
                ledger <- new_mutex!(
                    Ledger {
                        by_ns: RBTree::new(),
                        by_user: RBTree::new(),
                        added_since_sweep: 0,
                    },
                    "Budgets::ledger"
                ),
                user_numbers: params::USER_BUDGET.get().into(),
                ns_numbers: params::NS_BUDGET.get().into(),
                ns_armed: params::RTC_ARMED.get(),
                user_armed: params::RTC_ARMED_USER.get(),
            }),
            GFP_KERNEL,
        )
    }

    /// Charges `what` for `owner` and runs `commit` under the ledger lock;
    /// the charge stays only if `commit` succeeds. `EDQUOT` if a budget on
    /// the chain is spent; nothing changes on failure.
    fn charge<T>(
        &self,
        owner: UserNs<'_>,
        what: Resource,
        commit: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let Some(chain) = Chain::of(owner) else {
            return commit();
        };
        let mut ledger = self.ledger.lock();
        if !ledger.has_entries(&chain) {
            // First charge of some level: allocate outside the lock.
            drop(ledger);
            let mut spare = Spare::for_chain(&chain)?;
            ledger = self.ledger.lock();
            ledger.sweep();
            ledger.add_entries(&chain, &mut spare);
        }
        if !ledger.has_room(&chain, what, self) {
            return Err(edquot());
        }
        let result = commit()?;
        ledger.update(&chain, what, true);
        Ok(result)
    }

    /// Spends one device number for an instance owned by `owner`: `alloc`
    /// hands it out (under the ledger lock, so that budgets and numbers
    /// move together).
    pub(crate) fn spend_number<T>(
        &self,
        owner: UserNs<'_>,
        alloc: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        self.charge(owner, Resource::Number, alloc)
    }
}

/// Who the returnable charges of one device go to.
pub(crate) struct Tenant {
    budgets: Arc<Budgets>,
    /// `None` for an instance of the initial namespace: never charged.
    owner: Option<UserNsRef>,
}

impl Tenant {
    pub(crate) fn new(budgets: &Arc<Budgets>, owner: UserNs<'_>) -> Self {
        Self {
            budgets: budgets.clone(),
            owner: (!owner.is_initial()).then(|| UserNsRef::new(owner)),
        }
    }

    /// Charges one rtc device with interrupts armed; dropping the result
    /// gives it back. `EDQUOT` when the `rtc_armed` budget of a namespace
    /// on the chain, or the `rtc_armed_user` one of the host user, is
    /// spent.
    pub(crate) fn arm_rtc(&self) -> Result<Charge> {
        if let Some(owner) = &self.owner {
            self.budgets
                .charge(owner.ns(), Resource::ArmedRtc, || Ok(()))?;
        }
        Ok(Charge {
            budgets: self.budgets.clone(),
            owner: self.owner.clone(),
            what: Resource::ArmedRtc,
        })
    }
}

/// A returnable charge, given back when dropped.
pub(crate) struct Charge {
    budgets: Arc<Budgets>,
    owner: Option<UserNsRef>,
    what: Resource,
}

impl Drop for Charge {
    fn drop(&mut self) {
        if let Some(chain) = self.owner.as_ref().and_then(|o| Chain::of(o.ns())) {
            // The entries exist: `owner` keeps its namespace (and so its
            // ancestors) from being swept.
            self.budgets.ledger.lock().update(&chain, self.what, false);
        }
    }
}
