// SPDX-License-Identifier: GPL-2.0
/*
 * modinfo's version=, from the VERSION file (Kbuild passes it in), which
 * is also dkms.conf's PACKAGE_VERSION: 6.12's Rust module! has no version.
 */
#include <linux/module.h>

MODULE_VERSION(DEVNSFS_VERSION);
