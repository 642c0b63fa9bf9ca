// SPDX-License-Identifier: GPL-2.0

//! The RTC character-device ABI of include/uapi/linux/rtc.h.

use kernel::{
    ioctl::{_IO, _IOR, _IOW},
    types::{AsBytes, FromBytes},
};

/// `struct rtc_time`: the fields of `struct tm`, years since 1900 and
/// months from 0.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct RtcTime {
    pub(crate) tm_sec: i32,
    pub(crate) tm_min: i32,
    pub(crate) tm_hour: i32,
    pub(crate) tm_mday: i32,
    pub(crate) tm_mon: i32,
    pub(crate) tm_year: i32,
    pub(crate) tm_wday: i32,
    pub(crate) tm_yday: i32,
    pub(crate) tm_isdst: i32,
}

/// `struct rtc_wkalrm`; `pad` is the C struct's implicit padding.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct RtcWkalrm {
    pub(crate) enabled: u8,
    pub(crate) pending: u8,
    pub(crate) pad: [u8; 2],
    pub(crate) time: RtcTime,
}

/// `struct rtc_param`; `value` is the union of uvalue, svalue and ptr.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub(crate) struct RtcParam {
    pub(crate) param: u64,
    pub(crate) value: u64,
    pub(crate) index: u32,
    pub(crate) pad: u32,
}

// SAFETY: integers only, no implicit padding; any bits are valid.
unsafe impl FromBytes for RtcTime {}
// SAFETY: as above.
unsafe impl AsBytes for RtcTime {}
// SAFETY: as above (the padding is an explicit field).
unsafe impl FromBytes for RtcWkalrm {}
// SAFETY: as above.
unsafe impl AsBytes for RtcWkalrm {}
// SAFETY: as above.
unsafe impl FromBytes for RtcParam {}
// SAFETY: as above.
unsafe impl AsBytes for RtcParam {}

const _: () = assert!(core::mem::size_of::<RtcTime>() == 36);
const _: () = assert!(core::mem::size_of::<RtcWkalrm>() == 40);
const _: () = assert!(core::mem::size_of::<RtcParam>() == 24);

// CAST: u8 to u32 is lossless (`From` is not const).
const P: u32 = b'p' as u32;
pub(crate) const AIE_ON: u32 = _IO(P, 0x01);
pub(crate) const AIE_OFF: u32 = _IO(P, 0x02);
pub(crate) const UIE_ON: u32 = _IO(P, 0x03);
pub(crate) const UIE_OFF: u32 = _IO(P, 0x04);
pub(crate) const PIE_ON: u32 = _IO(P, 0x05);
pub(crate) const PIE_OFF: u32 = _IO(P, 0x06);
pub(crate) const ALM_SET: u32 = _IOW::<RtcTime>(P, 0x07);
pub(crate) const ALM_READ: u32 = _IOR::<RtcTime>(P, 0x08);
pub(crate) const RD_TIME: u32 = _IOR::<RtcTime>(P, 0x09);
pub(crate) const SET_TIME: u32 = _IOW::<RtcTime>(P, 0x0a);
pub(crate) const IRQP_READ: u32 = _IOR::<usize>(P, 0x0b);
pub(crate) const IRQP_SET: u32 = _IOW::<usize>(P, 0x0c);
pub(crate) const EPOCH_SET: u32 = _IOW::<usize>(P, 0x0e);
pub(crate) const WKALM_SET: u32 = _IOW::<RtcWkalrm>(P, 0x0f);
pub(crate) const WKALM_RD: u32 = _IOR::<RtcWkalrm>(P, 0x10);
pub(crate) const PARAM_GET: u32 = _IOW::<RtcParam>(P, 0x13);
pub(crate) const PARAM_SET: u32 = _IOW::<RtcParam>(P, 0x14);
/// The 32-bit (compat) numbers of rtc-dev's rtc_dev_compat_ioctl().
pub(crate) const IRQP_READ32: u32 = _IOR::<u32>(P, 0x0b);
pub(crate) const IRQP_SET32: u32 = _IOW::<u32>(P, 0x0c);
pub(crate) const EPOCH_SET32: u32 = _IOW::<u32>(P, 0x0e);

/// Flags of the word read() returns (below the count in bits 8 and up).
pub(crate) const IRQF: usize = 0x80;
pub(crate) const PF: usize = 0x40;
pub(crate) const AF: usize = 0x20;
pub(crate) const UF: usize = 0x10;

/// `rtc_param.param` values.
pub(crate) const PARAM_FEATURES: u64 = 0;
pub(crate) const PARAM_CORRECTION: u64 = 1;

/// RTC_PARAM_FEATURES of this clock: RTC_FEATURE_ALARM and
/// RTC_FEATURE_UPDATE_INTERRUPT.
pub(crate) const FEATURES: u64 = (1 << 0) | (1 << 4);

/// RTC_MAX_FREQ of include/linux/rtc.h, and the rtc core's default
/// `max_user_freq`: above it, RTC_IRQP_SET and RTC_PIE_ON need
/// CAP_SYS_RESOURCE.
pub(crate) const MAX_FREQ: i32 = 8192;
pub(crate) const MAX_USER_FREQ: usize = 64;
