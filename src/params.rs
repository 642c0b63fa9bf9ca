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
    1 << 20,
    "Device numbers the containers of one host user may consume until reboot."
);
