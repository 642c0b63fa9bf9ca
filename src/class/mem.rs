// SPDX-License-Identifier: GPL-2.0

//! `null`, `zero`, `full` and `random`: the mem devices of
//! drivers/char/mem.c and drivers/char/random.c, per container.

use super::{Call, Class, ClassDevice, NewDevice};
use crate::{
    sys,
    vfs::{File, ReadBuf},
};
use kernel::{c_str, prelude::*, sync::Arc, uaccess::UserSliceReader};

/// Bytes moved per step of a long read or write, between checks for
/// signals and revocation (PAGE_SIZE, as read_zero() and urandom's
/// write_pool_user()).
const CHUNK: usize = 4096;

/// `null_lseek` and `zero_lseek` of mem.c: every seek lands at 0.
fn seek_to_start() -> Result<i64> {
    Ok(0)
}

/// Whether a long copy that has done something should stop: a signal is
/// pending or the device is being revoked (its removal waits for us).
fn should_stop(call: &Call<'_>) -> bool {
    kernel::current!().signal_pending() || call.revoked()
}

/// Fills `buf` a step at a time, as read_zero() and
/// get_random_bytes_user() do: `step` fills some bytes and returns how
/// many, or how many it managed before a fault. A pending signal or a
/// revocation ends the read early; a fault ends it with the bytes so far
/// (`EFAULT` if none).
fn read_steps(
    call: &Call<'_>,
    buf: &mut ReadBuf,
    mut step: impl FnMut(&mut ReadBuf) -> core::result::Result<usize, usize>,
) -> Result<usize> {
    let mut done = 0;
    while !buf.is_empty() {
        if done > 0 && should_stop(call) {
            break;
        }
        match step(buf) {
            Ok(n) => done += n,
            Err(n) => {
                done += n;
                return if done > 0 { Ok(done) } else { Err(EFAULT) };
            }
        }
        sys::cond_resched();
    }
    Ok(done)
}

/// Zeroes `buf` with clear_user(), a page at a time, as read_zero().
fn read_zeroes(call: &Call<'_>, buf: &mut ReadBuf) -> Result<usize> {
    read_steps(call, buf, |buf| {
        let n = buf.len().min(CHUNK);
        buf.zero(n).map(|()| n)
    })
}

struct Null;

impl ClassDevice for Null {
    fn read(&self, _c: &Call<'_>, _buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        Ok(0)
    }
    fn write(&self, _c: &Call<'_>, buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        Ok(buf.len())
    }
    fn llseek(&self, _f: &File, _offset: i64, _whence: i32, _pos: i64) -> Result<i64> {
        seek_to_start()
    }
}

struct Zero;

impl ClassDevice for Zero {
    fn read(&self, c: &Call<'_>, buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        read_zeroes(c, buf)
    }
    fn write(&self, _c: &Call<'_>, buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        Ok(buf.len())
    }
    fn llseek(&self, _f: &File, _offset: i64, _whence: i32, _pos: i64) -> Result<i64> {
        seek_to_start()
    }
}

struct Full;

impl ClassDevice for Full {
    fn read(&self, c: &Call<'_>, buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        read_zeroes(c, buf)
    }
    fn write(&self, _c: &Call<'_>, _buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        Err(ENOSPC)
    }
    fn llseek(&self, _f: &File, _offset: i64, _whence: i32, _pos: i64) -> Result<i64> {
        seek_to_start()
    }
}

/// /dev/urandom: never blocks.
struct Random;

impl ClassDevice for Random {
    fn read(&self, c: &Call<'_>, buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        let mut scratch = [0u8; 256];
        read_steps(c, buf, |buf| {
            let n = buf.len().min(scratch.len());
            // PANIC: `n` is at most the scratch buffer's length.
            let bytes = &mut scratch[..n];
            sys::random_bytes(bytes);
            buf.write_slice(bytes).map(|()| n).map_err(|_| {
                // The bytes before the fault, one at a time, so that the
                // count is exact as copy_to_iter()'s.
                bytes
                    .chunks(1)
                    .take_while(|byte| buf.write_slice(byte).is_ok())
                    .count()
            })
        })
    }

    /// As a write to /dev/urandom (write_pool_user()): mixed into the pool,
    /// not credited; a fault ends it with the bytes before it (`EFAULT` if
    /// none), and a pending signal or a revocation ends it at a page
    /// boundary with the bytes so far.
    fn write(&self, c: &Call<'_>, buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        let mut scratch = [0u8; 256];
        let mut done = 0;
        while !buf.is_empty() {
            let n = buf.len().min(scratch.len());
            // PANIC: `n` is at most the scratch buffer's length.
            if buf.read_slice(&mut scratch[..n]).is_err() {
                // The bytes before the fault, one at a time, so that the
                // count is exact as copy_from_iter()'s.
                let mut byte = [0u8; 1];
                while buf.read_slice(&mut byte).is_ok() {
                    sys::mix_randomness(&byte);
                    done += 1;
                }
                break;
            }
            sys::mix_randomness(&scratch[..n]);
            done += n;
            if done % CHUNK == 0 {
                if should_stop(c) {
                    break;
                }
                sys::cond_resched();
            }
        }
        // A write of nothing writes nothing; one that faults at once fails.
        if done == 0 && !buf.is_empty() {
            return Err(EFAULT);
        }
        Ok(done)
    }

    /// `noop_llseek`: the position never moves.
    fn llseek(&self, _f: &File, _offset: i64, _whence: i32, pos: i64) -> Result<i64> {
        Ok(pos)
    }
}

fn null(_new: &NewDevice<'_>) -> Result<Arc<dyn ClassDevice>> {
    Ok(Arc::new(Null, GFP_KERNEL_ACCOUNT)?)
}

fn zero(_new: &NewDevice<'_>) -> Result<Arc<dyn ClassDevice>> {
    Ok(Arc::new(Zero, GFP_KERNEL_ACCOUNT)?)
}

fn full(_new: &NewDevice<'_>) -> Result<Arc<dyn ClassDevice>> {
    Ok(Arc::new(Full, GFP_KERNEL_ACCOUNT)?)
}

fn random(_new: &NewDevice<'_>) -> Result<Arc<dyn ClassDevice>> {
    Ok(Arc::new(Random, GFP_KERNEL_ACCOUNT)?)
}

pub(super) const NULL: Class = Class::new(c_str!("null"), null);
pub(super) const ZERO: Class = Class::new(c_str!("zero"), zero);
pub(super) const FULL: Class = Class::new(c_str!("full"), full);
pub(super) const RANDOM: Class = Class::new(c_str!("random"), random);
