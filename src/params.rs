// SPDX-License-Identifier: GPL-2.0

//! The module parameters (modinfo(8) lists them with their descriptions).

use crate::sys::param::uint_param;

uint_param!(
    MAX_DEVICES,
    MAX_DEVICES_PARAM,
    "max_devices",
    4096,
    "Default and ceiling of the max= mount option: live devices per instance."
);
uint_param!(
    MAX_MAJORS,
    MAX_MAJORS_PARAM,
    "max_majors",
    8,
    "How many majors devnsfs may reserve; past them ADD fails with ENOSPC."
);
uint_param!(
    MINORS_PER_MAJOR,
    MINORS_PER_MAJOR_PARAM,
    "minors_per_major",
    1 << 20,
    "Minors reserved per major (2^20, all of them; lower only to test)."
);
uint_param!(
    USER_BUDGET,
    USER_BUDGET_PARAM,
    "user_budget",
    1 << 18,
    "Device numbers the containers of one host user may consume until reboot."
);
uint_param!(
    NS_BUDGET,
    NS_BUDGET_PARAM,
    "ns_budget",
    1 << 14,
    "Device numbers one user namespace and its descendants may consume in its life."
);
uint_param!(
    RESERVED,
    RESERVED_PARAM,
    "reserved",
    1 << 20,
    "Device numbers only instances of the initial user namespace may use."
);
uint_param!(
    RTC_ARMED,
    RTC_ARMED_PARAM,
    "rtc_armed",
    16,
    "rtc devices with update or periodic interrupts on, per user namespace and its descendants."
);
uint_param!(
    RTC_ARMED_USER,
    RTC_ARMED_USER_PARAM,
    "rtc_armed_user",
    64,
    "rtc devices with update or periodic interrupts on, per host user."
);
uint_param!(
    KVM_CLASS,
    KVM_CLASS_PARAM,
    "kvm_class",
    0,
    "1: containers may add the kvm class (pass-through of /dev/kvm); 0: ADD gives EPERM."
);
uint_param!(
    TUN_CLASS,
    TUN_CLASS_PARAM,
    "tun_class",
    1,
    "1: containers may add the tun class (/dev/net/tun); 0: ADD gives EPERM."
);
uint_param!(
    FUSE_CLASS,
    FUSE_CLASS_PARAM,
    "fuse_class",
    1,
    "1: containers may add the fuse class (/dev/fuse); 0: ADD gives EPERM."
);
uint_param!(
    MAJOR,
    MAJOR_PARAM,
    "major",
    0,
    "First major to reserve (then major+1, ...), for device-cgroup allowlists; 0: any free ones."
);
