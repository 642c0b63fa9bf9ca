// SPDX-License-Identifier: GPL-2.0

//! The devnsfs filesystem type: mount options and instance set-up.

use crate::{
    device::Device,
    instance::{Globals, Instance, Settings},
    params,
    vfs::{
        self, FsContext, Kgid, Kuid, OptionWriter, ParamSpec, Parsed, RootLocked, SuperRef,
        UnlinkCall,
    },
};
use kernel::{c_str, prelude::*, sync::Arc};

/// `DEVNSFS_SUPER_MAGIC` of include/uapi/linux/devnsfs.h.
const DEVNSFS_SUPER_MAGIC: u32 = 0x6465_7673;

/// Default permissions of device nodes and of the control node.
const DEFAULT_MODE: u16 = 0o600;

const OPT_UID: u8 = 0;
const OPT_GID: u8 = 1;
const OPT_MODE: u8 = 2;
const OPT_CTLMODE: u8 = 3;
const OPT_MAX: u8 = 4;
const OPT_STD: u8 = 5;

static PARAMS: [ParamSpec; 7] = [
    ParamSpec::uid(c_str!("uid"), OPT_UID),
    ParamSpec::gid(c_str!("gid"), OPT_GID),
    ParamSpec::u32_octal(c_str!("mode"), OPT_MODE),
    ParamSpec::u32_octal(c_str!("ctlmode"), OPT_CTLMODE),
    ParamSpec::u32(c_str!("max"), OPT_MAX),
    ParamSpec::flag(c_str!("std"), OPT_STD),
    ParamSpec::END,
];

/// The storage the VFS links into its list of filesystem types.
static DEVNSFS_TYPE: vfs::FsTypeSlot<Devnsfs> = vfs::FsTypeSlot::new();

/// The devnsfs filesystem: every mount is a new instance.
pub(crate) struct Devnsfs;

/// Options given to one mount(2), fsconfig() session or remount.
#[derive(Default)]
pub(crate) struct Options {
    uid: Option<Kuid>,
    gid: Option<Kgid>,
    mode: Option<u16>,
    ctlmode: Option<u16>,
    max: Option<u32>,
    std: bool,
}

fn permissions(fc: &FsContext, value: u32) -> Result<u16> {
    match u16::try_from(value) {
        Ok(perm) if perm <= 0o777 => Ok(perm),
        _ => Err(fc.invalid(c_str!(
            "devnsfs: mode and ctlmode take permission bits (at most 0777)"
        ))),
    }
}

impl vfs::FileSystem for Devnsfs {
    const NAME: &'static CStr = c_str!("devnsfs");
    const MAGIC: u32 = DEVNSFS_SUPER_MAGIC;
    const PARAMS: &'static [ParamSpec] = &PARAMS;

    type Globals = Globals;
    type Options = Options;
    type Instance = Instance;
    type Node = Device;

    fn parse(fc: &FsContext, opts: &mut Options, param: &Parsed) -> Result {
        match param.opt() {
            // As tmpfs: an owner the instance's namespace cannot name
            // would own nodes nobody in the container can be.
            OPT_UID if !fc.user_ns().maps_uid(param.uid()) => {
                return Err(fc.invalid(c_str!(
                    "devnsfs: uid is not mapped in the instance's user namespace"
                )))
            }
            OPT_GID if !fc.user_ns().maps_gid(param.gid()) => {
                return Err(fc.invalid(c_str!(
                    "devnsfs: gid is not mapped in the instance's user namespace"
                )))
            }
            OPT_UID => opts.uid = Some(param.uid()),
            OPT_GID => opts.gid = Some(param.gid()),
            OPT_MODE => opts.mode = Some(permissions(fc, param.u32())?),
            OPT_CTLMODE => opts.ctlmode = Some(permissions(fc, param.u32())?),
            // On a remount it changes nothing: an instance is filled once.
            OPT_STD => opts.std = true,
            OPT_MAX => {
                if param.u32() > params::MAX_DEVICES.get() {
                    return Err(fc.invalid(c_str!("devnsfs: max exceeds the module's max_devices")));
                }
                opts.max = Some(param.u32());
            }
            _ => return Err(EINVAL),
        }
        Ok(())
    }

    fn fill_super(
        _fc: &FsContext,
        sb: SuperRef<'_>,
        opts: &Options,
        globals: &Arc<Globals>,
    ) -> Result<Arc<Instance>> {
        let ns = sb.user_ns();
        let settings = Settings {
            uid: opts.uid.or(ns.root_uid()).unwrap_or_else(Kuid::current_fs),
            gid: opts.gid.or(ns.root_gid()).unwrap_or_else(Kgid::current_fs),
            explicit_owner: (opts.uid.is_some(), opts.gid.is_some()),
            mode: opts.mode.unwrap_or(DEFAULT_MODE),
            ctlmode: opts.ctlmode.unwrap_or(DEFAULT_MODE),
            max: opts.max.unwrap_or_else(|| params::MAX_DEVICES.get()),
            std: opts.std,
        };
        let instance = Instance::new(sb, globals.clone(), settings)?;
        if opts.std {
            instance.populate_std(sb)?;
        }
        Ok(instance)
    }

    fn reconfigure(
        fc: &FsContext,
        sb: SuperRef<'_>,
        instance: &Instance,
        opts: &Options,
    ) -> Result {
        let uid_changes = opts.uid.is_some_and(|uid| uid != instance.uid);
        let gid_changes = opts.gid.is_some_and(|gid| gid != instance.gid);
        if uid_changes || gid_changes {
            return Err(fc.invalid(c_str!("devnsfs: uid and gid cannot change on remount")));
        }
        instance.reconfigure(sb, opts.mode, opts.ctlmode, opts.max)
    }

    fn show_options(instance: &Instance, out: &mut OptionWriter<'_>) {
        let ns = out.ns;
        if instance.explicit_owner.0 {
            out.decimal(c_str!("uid"), ns.uid_value(instance.uid));
        }
        if instance.explicit_owner.1 {
            out.decimal(c_str!("gid"), ns.gid_value(instance.gid));
        }
        if instance.mode() != DEFAULT_MODE {
            out.octal(c_str!("mode"), instance.mode().into());
        }
        if instance.ctlmode() != DEFAULT_MODE {
            out.octal(c_str!("ctlmode"), instance.ctlmode().into());
        }
        if instance.max() != params::MAX_DEVICES.get() {
            out.decimal(c_str!("max"), instance.max());
        }
        if instance.std {
            out.flag(c_str!("std"));
        }
    }

    fn unlink(instance: &Instance, root: &RootLocked<'_>, call: UnlinkCall) -> Result {
        instance.unlink(root, call)
    }
}

/// Registers devnsfs; it stays registered until the result is dropped.
pub(crate) fn register(module: &'static ThisModule) -> Result<vfs::Registration<Devnsfs>> {
    vfs::Registration::register(&DEVNSFS_TYPE, module, Globals::new()?)
}
