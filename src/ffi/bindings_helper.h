/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What devnsfs needs from C that Linux 6.12's kernel::bindings lacks. Only
 * the items named in bindgen_parameters are generated; everything else they
 * refer to comes from kernel::bindings.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/namei.h>
#include <linux/tty.h>
#include <net/net_namespace.h>
#include "helpers.h"
