// SPDX-License-Identifier: GPL-2.0

//! `rtc`: a virtual real-time clock per device, with an alarm and update
//! and periodic interrupts, behind the RTC character-device ABI exactly as
//! drivers/rtc/dev.c presents it (the "valarm" device the kernel list
//! asked for: a container's clock that can differ from the host's).
//!
//! A device's time is the host's CLOCK_REALTIME plus the device's own
//! offset; RTC_SET_TIME changes only that offset, and only for a caller
//! with CAP_SYS_TIME in the user namespace owning the instance. The alarm
//! and update interrupts are realtime hrtimers at the host time matching
//! the device time, re-armed when the offset changes; the periodic
//! interrupt is a monotonic hrtimer, as the rtc core's.
//!
//! Interrupts cost the host timer interrupts, so they are bounded as
//! rtc-dev bounds them, and more: above 64 Hz needs CAP_SYS_RESOURCE in
//! the initial user namespace (rtc-dev's capable()); the update and
//! periodic interrupts run only while the device's one file is open; and
//! each device with either on is charged to the `rtc_armed` budget of its
//! owner (`tenant`), so one host user causes at most rtc_armed * (64 + 1)
//! interrupts a second without that capability.

mod abi;
mod calendar;

use super::{Call, Class, ClassDevice, NewDevice};
use crate::{
    sys::{self, realtime_ns, Clock, PollQueue, Restart, Timer, TimerOwner},
    tenant::{Charge, Tenant},
    vfs::{cap, poll, File, PollTable, ReadBuf},
};
use abi::{RtcParam, RtcTime, RtcWkalrm};
use calendar::LAST_SECOND;
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use kernel::{
    c_str, new_mutex,
    prelude::*,
    sync::{
        lock::{mutex::MutexBackend, Guard},
        Arc, Mutex,
    },
    uaccess::UserSlice,
};

const NSEC_PER_SEC: i64 = 1_000_000_000;

/// Timer ids of [`TimerOwner`].
const ALARM: u8 = 0;
const UPDATE: u8 = 1;
const PERIODIC: u8 = 2;

/// What the ioctls set, under `Rtc::settings`.
struct Settings {
    /// Alarm time in device seconds since the epoch; 0 until one is set,
    /// as on a fresh rtc device.
    alarm: i64,
    update_irq: bool,
    periodic_irq: bool,
    /// RTC_IRQP_SET frequency in Hz (1 by default, as the rtc core).
    freq: i32,
    /// Held while `update_irq` or `periodic_irq` is on.
    armed: Option<Charge>,
}

impl Settings {
    /// Charges the device as armed before an interrupt goes on (`EDQUOT`
    /// when the owner's budget is spent); a device is charged once.
    fn charge_armed(&mut self, tenant: &Tenant) -> Result {
        if self.armed.is_none() {
            self.armed = Some(tenant.arm_rtc()?);
        }
        Ok(())
    }

    /// Gives the charge back once neither interrupt is on.
    fn release_armed(&mut self) {
        if !self.update_irq && !self.periodic_irq {
            self.armed = None;
        }
    }
}

/// One rtc device.
///
/// Lock order: `Rtc::settings`, then `Budgets::ledger` (charges) and the
/// hrtimer bases (start and cancel).
#[pin_data(PinnedDrop)]
struct Rtc {
    tenant: Tenant,
    /// Device time minus host CLOCK_REALTIME, in nanoseconds.
    offset: AtomicI64,
    #[pin]
    settings: Mutex<Settings>,
    /// Whether the alarm is armed; its timer clears it when it fires.
    alarm_armed: AtomicBool,
    /// The periodic timer's interval, for its callback.
    period_ns: AtomicI64,
    /// Interrupts since the last read(): (count << 8) | RTC_IRQF | kinds,
    /// rtc-dev's `irq_data`.
    irq_data: AtomicUsize,
    /// Held by the one open file.
    busy: AtomicBool,
    /// Revoked: every timer is off and stays off.
    dead: AtomicBool,
    #[pin]
    readers: PollQueue,
    #[pin]
    alarm_timer: Timer,
    #[pin]
    update_timer: Timer,
    #[pin]
    periodic_timer: Timer,
}

impl Rtc {
    fn new(tenant: Tenant) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Self {
                tenant,
                offset: AtomicI64::new(0),
                settings <- new_mutex!(
                    Settings {
                        alarm: 0,
                        update_irq: false,
                        periodic_irq: false,
                        freq: 1,
                        armed: None,
                    },
                    "Rtc::settings"
                ),
                alarm_armed: AtomicBool::new(false),
                period_ns: AtomicI64::new(NSEC_PER_SEC),
                irq_data: AtomicUsize::new(0),
                busy: AtomicBool::new(false),
                dead: AtomicBool::new(false),
                readers <- PollQueue::new(),
                alarm_timer <- Timer::new::<Self, ALARM>(Clock::Realtime),
                update_timer <- Timer::new::<Self, UPDATE>(Clock::Realtime),
                periodic_timer <- Timer::new::<Self, PERIODIC>(Clock::Monotonic),
            }),
            GFP_KERNEL_ACCOUNT,
        )
    }

    /// Records `count` interrupts of `kind` and wakes readers, as
    /// rtc_handle_legacy_irq(). Any context.
    fn interrupt(&self, count: u64, kind: usize) {
        let count = usize::try_from(count).unwrap_or(usize::MAX >> 8);
        let _ = self
            .irq_data
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |data| {
                Some(data.wrapping_add(count << 8) | abi::IRQF | kind)
            });
        self.readers.wake_all();
    }

    /// The device time now, in nanoseconds since the epoch, and the offset
    /// it was computed with.
    fn now_ns(&self) -> (i64, i64) {
        let offset = self.offset.load(Ordering::Acquire);
        (realtime_ns().saturating_add(offset), offset)
    }

    /// RTC_RD_TIME: whole seconds, as a hardware clock shows them.
    fn read_time(&self) -> RtcTime {
        RtcTime::from_seconds(self.now_ns().0.div_euclid(NSEC_PER_SEC))
    }

    /// The host CLOCK_REALTIME instant at which the device shows `secs`.
    fn host_time_of(secs: i64, offset: i64) -> i64 {
        secs.saturating_mul(NSEC_PER_SEC).saturating_sub(offset)
    }

    fn arm_alarm(&self, s: &Settings) {
        let offset = self.offset.load(Ordering::Acquire);
        self.alarm_timer.start(Self::host_time_of(s.alarm, offset));
    }

    /// The update interrupt fires at every device second boundary.
    fn arm_update(&self) {
        let (now, offset) = self.now_ns();
        let next = now.div_euclid(NSEC_PER_SEC).saturating_add(1);
        self.update_timer.start(Self::host_time_of(next, offset));
    }

    fn arm_periodic(&self, s: &Settings) {
        let period = NSEC_PER_SEC / i64::from(s.freq.max(1));
        self.period_ns.store(period, Ordering::Release);
        self.periodic_timer.start(period);
    }

    /// The settings, unless the device is revoked (`ENODEV`).
    fn lock_live(&self) -> Result<Guard<'_, Settings, MutexBackend>> {
        let s = self.settings.lock();
        if self.dead.load(Ordering::Acquire) {
            return Err(ENODEV);
        }
        Ok(s)
    }

    /// rtc_set_time(): the device now shows `tm`, its next second one
    /// second from now (a hardware clock restarts its divider on a set).
    fn set_time(&self, tm: &RtcTime) -> Result {
        tm.validate()?;
        let secs = tm.to_seconds();
        if secs > LAST_SECOND {
            return Err(ERANGE);
        }
        let s = self.lock_live()?;
        self.offset.store(
            secs.saturating_mul(NSEC_PER_SEC)
                .saturating_sub(realtime_ns()),
            Ordering::Release,
        );
        // The timers wait for host times that no longer match.
        self.alarm_timer.cancel();
        if self.alarm_armed.load(Ordering::Acquire) {
            self.arm_alarm(&s);
        }
        if s.update_irq {
            self.update_timer.cancel();
            self.arm_update();
        }
        Ok(())
    }

    /// rtc_read_alarm().
    fn read_alarm(&self) -> RtcWkalrm {
        let s = self.settings.lock();
        RtcWkalrm {
            enabled: u8::from(self.alarm_armed.load(Ordering::Acquire)),
            time: RtcTime::from_seconds(s.alarm),
            ..Default::default()
        }
    }

    /// rtc_set_alarm(): stores the alarm time, armed if `enabled`. A time
    /// already past fires at once.
    fn set_alarm(&self, tm: &RtcTime, enabled: bool) -> Result {
        tm.validate()?;
        let secs = tm.to_seconds();
        if secs > LAST_SECOND {
            return Err(ERANGE);
        }
        let mut s = self.lock_live()?;
        self.alarm_timer.cancel();
        self.alarm_armed.store(enabled, Ordering::Release);
        s.alarm = secs;
        if enabled {
            self.arm_alarm(&s);
        }
        Ok(())
    }

    /// RTC_ALM_SET: a time of day within the next 24 hours, not armed.
    fn set_alarm_time_of_day(&self, mut tm: RtcTime) -> Result {
        let now = self.read_time();
        tm.tm_mday = now.tm_mday;
        tm.tm_mon = now.tm_mon;
        tm.tm_year = now.tm_year;
        tm.tm_wday = -1;
        tm.tm_yday = -1;
        tm.tm_isdst = -1;
        tm.validate()?;
        if tm.to_seconds() < now.to_seconds() {
            let tomorrow = RtcTime::from_seconds(now.to_seconds() + 24 * 60 * 60);
            tm.tm_mday = tomorrow.tm_mday;
            tm.tm_mon = tomorrow.tm_mon;
            tm.tm_year = tomorrow.tm_year;
        }
        self.set_alarm(&tm, false)
    }

    /// rtc_alarm_irq_enable().
    fn alarm_irq_enable(&self, on: bool) -> Result {
        let s = self.lock_live()?;
        if self.alarm_armed.load(Ordering::Acquire) == on {
            return Ok(());
        }
        if on {
            self.alarm_armed.store(true, Ordering::Release);
            self.arm_alarm(&s);
        } else {
            self.alarm_timer.cancel();
            self.alarm_armed.store(false, Ordering::Release);
        }
        Ok(())
    }

    /// rtc_update_irq_enable().
    fn update_irq_enable(&self, on: bool) -> Result {
        let mut s = self.lock_live()?;
        if s.update_irq != on {
            if on {
                s.charge_armed(&self.tenant)?;
                self.arm_update();
            } else {
                self.update_timer.cancel();
            }
            s.update_irq = on;
            s.release_armed();
        }
        Ok(())
    }

    /// rtc_irq_set_freq(); `freq` is already truncated to an int, as the
    /// rtc core's parameter.
    fn set_frequency(&self, freq: i32) -> Result {
        if freq <= 0 || freq > abi::MAX_FREQ {
            return Err(EINVAL);
        }
        let mut s = self.lock_live()?;
        s.freq = freq;
        if s.periodic_irq {
            self.periodic_timer.cancel();
            self.arm_periodic(&s);
        }
        Ok(())
    }

    /// rtc_irq_set_state().
    fn periodic_irq_enable(&self, on: bool) -> Result {
        let mut s = self.lock_live()?;
        if s.periodic_irq != on {
            if on {
                s.charge_armed(&self.tenant)?;
                self.arm_periodic(&s);
            } else {
                self.periodic_timer.cancel();
            }
            s.periodic_irq = on;
            s.release_armed();
        }
        Ok(())
    }

    /// What RTC_PIE_ON needs beyond the device's ownership.
    fn frequency(&self) -> i32 {
        self.settings.lock().freq
    }

    /// RTC_PARAM_GET of the rtc core for a device without param_get.
    fn param_get(p: &mut RtcParam) -> Result {
        match p.param {
            abi::PARAM_FEATURES if p.index == 0 => {
                p.value = abi::FEATURES;
                Ok(())
            }
            // No RTC_FEATURE_CORRECTION: rtc_read_offset() has no method.
            abi::PARAM_CORRECTION if p.index == 0 => Err(crate::sys::eopnotsupp()),
            _ => Err(EINVAL),
        }
    }

    /// RTC_PARAM_SET likewise.
    fn param_set(p: &RtcParam) -> Result {
        match p.param {
            abi::PARAM_CORRECTION if p.index == 0 => Err(crate::sys::eopnotsupp()),
            _ => Err(EINVAL),
        }
    }

    /// Writes one interrupt word to a 4-byte or a long buffer, as
    /// rtc_dev_read(); returns its size.
    fn put_word(buf: &mut ReadBuf, data: usize) -> Result<usize> {
        if buf.len() == core::mem::size_of::<u32>() {
            // A 4-byte read gets the low half, as rtc-dev's put_user().
            // CAST: that truncation is the ABI.
            buf.write(&(data as u32))?;
            Ok(core::mem::size_of::<u32>())
        } else {
            buf.write(&data)?;
            Ok(core::mem::size_of::<usize>())
        }
    }

    /// Turns every timer off for good and wakes every reader.
    fn shut_down(&self) {
        let mut s = self.settings.lock();
        self.dead.store(true, Ordering::Release);
        self.alarm_timer.cancel();
        self.update_timer.cancel();
        self.periodic_timer.cancel();
        self.alarm_armed.store(false, Ordering::Release);
        s.update_irq = false;
        s.periodic_irq = false;
        s.release_armed();
        drop(s);
        self.readers.wake_all();
    }
}

#[pinned_drop]
impl PinnedDrop for Rtc {
    fn drop(self: Pin<&mut Self>) {
        // An alarm stays armed after the last close (rtc-dev leaves it for
        // a later open): no callback may outlive the memory it uses.
        self.alarm_timer.cancel();
        self.update_timer.cancel();
        self.periodic_timer.cancel();
    }
}

// SAFETY: `alarm_timer` is made by `Timer::new::<Rtc, ALARM>` in
// `Rtc::new`, and `PinnedDrop` cancels it.
unsafe impl TimerOwner<ALARM> for Rtc {
    const OFFSET: usize = core::mem::offset_of!(Rtc, alarm_timer);
    fn expired(&self, _timer: &Timer) -> Restart {
        self.alarm_armed.store(false, Ordering::Release);
        self.interrupt(1, abi::AF);
        Restart::No
    }
}

// SAFETY: as above, for `update_timer` and UPDATE.
unsafe impl TimerOwner<UPDATE> for Rtc {
    const OFFSET: usize = core::mem::offset_of!(Rtc, update_timer);
    fn expired(&self, timer: &Timer) -> Restart {
        let count = timer.forward_now(NSEC_PER_SEC);
        self.interrupt(count, abi::UF);
        Restart::Yes
    }
}

// SAFETY: as above, for `periodic_timer` and PERIODIC.
unsafe impl TimerOwner<PERIODIC> for Rtc {
    const OFFSET: usize = core::mem::offset_of!(Rtc, periodic_timer);
    fn expired(&self, timer: &Timer) -> Restart {
        let count = timer.forward_now(self.period_ns.load(Ordering::Acquire));
        self.interrupt(count, abi::PF);
        Restart::Yes
    }
}

impl ClassDevice for Rtc {
    fn revoke(&self) {
        self.shut_down();
    }

    /// One opener at a time, as rtc-dev; a new opener starts with no
    /// interrupts pending.
    fn open(&self, _file: &File) -> Result {
        if self.busy.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        self.irq_data.store(0, Ordering::Release);
        Ok(())
    }

    /// Stops the update and periodic interrupts (nobody is listening);
    /// the alarm stays armed, as rtc-dev leaves it.
    fn release(&self, _file: &File) {
        let mut s = self.settings.lock();
        self.update_timer.cancel();
        self.periodic_timer.cancel();
        s.update_irq = false;
        s.periodic_irq = false;
        s.release_armed();
        drop(s);
        self.busy.store(false, Ordering::Release);
    }

    fn read(&self, call: &Call<'_>, buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        let file = call.file;
        let len = buf.len();
        if len != core::mem::size_of::<u32>() && len < core::mem::size_of::<usize>() {
            return Err(EINVAL);
        }
        loop {
            let data = self.irq_data.swap(0, Ordering::AcqRel);
            if data != 0 {
                return Self::put_word(buf, data);
            }
            if self.dead.load(Ordering::Acquire) {
                return Err(ENODEV);
            }
            if file.is_nonblocking() {
                return Err(EAGAIN);
            }
            self.readers.wait_interruptible(|| {
                self.irq_data.load(Ordering::Acquire) != 0 || self.dead.load(Ordering::Acquire)
            })?;
        }
    }

    fn poll(&self, file: &File, table: &PollTable) -> u32 {
        self.readers.poll_wait(file, table);
        // Tested after queueing, so a revocation in between is seen.
        if self.dead.load(Ordering::Acquire) {
            poll::ERR | poll::HUP
        } else if self.irq_data.load(Ordering::Acquire) != 0 {
            poll::IN | poll::RDNORM
        } else {
            0
        }
    }

    fn ioctl(&self, file: &File, cmd: u32, arg: usize) -> Result<isize> {
        // Permissions first, for every command, as rtc_dev_ioctl(). The
        // clock is the container's own, so setting it needs CAP_SYS_TIME
        // over the instance; fast interrupts load the host, so they need
        // CAP_SYS_RESOURCE in the initial namespace, as rtc-dev's capable().
        let denied = match cmd {
            abi::EPOCH_SET | abi::EPOCH_SET32 | abi::SET_TIME | abi::PARAM_SET => {
                !file.owner_capable(cap::SYS_TIME)
            }
            abi::IRQP_SET | abi::IRQP_SET32 => {
                arg > abi::MAX_USER_FREQ && !sys::capable(cap::SYS_RESOURCE)
            }
            abi::PIE_ON => {
                usize::try_from(self.frequency()).unwrap_or(0) > abi::MAX_USER_FREQ
                    && !sys::capable(cap::SYS_RESOURCE)
            }
            _ => false,
        };
        if denied {
            return Err(EACCES);
        }
        let user = |size| UserSlice::new(arg, size);
        match cmd {
            abi::RD_TIME => user(core::mem::size_of::<RtcTime>())
                .writer()
                .write(&self.read_time())?,
            abi::SET_TIME => {
                self.set_time(&user(core::mem::size_of::<RtcTime>()).reader().read()?)?
            }
            abi::ALM_READ => user(core::mem::size_of::<RtcTime>())
                .writer()
                .write(&self.read_alarm().time)?,
            abi::ALM_SET => {
                self.set_alarm_time_of_day(user(core::mem::size_of::<RtcTime>()).reader().read()?)?
            }
            abi::WKALM_RD => user(core::mem::size_of::<RtcWkalrm>())
                .writer()
                .write(&self.read_alarm())?,
            abi::WKALM_SET => {
                let alarm: RtcWkalrm = user(core::mem::size_of::<RtcWkalrm>()).reader().read()?;
                self.set_alarm(&alarm.time, alarm.enabled != 0)?
            }
            abi::AIE_ON | abi::AIE_OFF => self.alarm_irq_enable(cmd == abi::AIE_ON)?,
            abi::UIE_ON | abi::UIE_OFF => self.update_irq_enable(cmd == abi::UIE_ON)?,
            abi::PIE_ON | abi::PIE_OFF => self.periodic_irq_enable(cmd == abi::PIE_ON)?,
            // The frequency is 1 to MAX_FREQ: both conversions are exact.
            abi::IRQP_READ => user(core::mem::size_of::<usize>())
                .writer()
                .write(&usize::try_from(self.frequency()).map_err(|_| EINVAL)?)?,
            abi::IRQP_READ32 => user(core::mem::size_of::<u32>())
                .writer()
                .write(&u32::try_from(self.frequency()).map_err(|_| EINVAL)?)?,
            // CAST: the rtc core takes the frequency as an int, truncating
            // the argument as C's conversion does; set_frequency() then
            // rejects what is out of range.
            abi::IRQP_SET | abi::IRQP_SET32 => self.set_frequency(arg as u32 as i32)?,
            abi::PARAM_GET => {
                let (mut reader, mut writer) =
                    user(core::mem::size_of::<RtcParam>()).reader_writer();
                let mut p: RtcParam = reader.read()?;
                Self::param_get(&mut p)?;
                writer.write(&p)?
            }
            abi::PARAM_SET => {
                Self::param_set(&user(core::mem::size_of::<RtcParam>()).reader().read()?)?
            }
            // RTC_EPOCH_*, RTC_WIE_*, RTC_VL_*, RTC_PLL_*: rtc-dev leaves
            // them to drivers, and this one has none.
            _ => return Err(ENOTTY),
        }
        Ok(0)
    }
}

fn create(new: &NewDevice<'_>) -> Result<Arc<dyn ClassDevice>> {
    Ok(Rtc::new(Tenant::new(new.budgets, new.owner))?)
}

pub(super) const RTC: Class = Class::new(c_str!("rtc"), create);
