// SPDX-License-Identifier: GPL-2.0

//! `null`, `zero`, `full` and `random`: the mem devices of
//! drivers/char/mem.c and drivers/char/random.c, per container.

use super::{Class, ClassDevice};
use crate::{
    sys,
    vfs::{File, FileOps, ReadBuf},
};
use kernel::{c_str, prelude::*, sync::Arc, uaccess::UserSliceReader};

/// Bytes produced per step of a long read, between signal checks
/// (PAGE_SIZE, as read_zero()).
const CHUNK: usize = 4096;

/// `null_lseek` and `zero_lseek` of mem.c: every seek lands at 0.
fn seek_to_start() -> Result<i64> {
    Ok(0)
}

/// Fills `buf` a step at a time, as read_zero() and
/// get_random_bytes_user() do: `step` fills some bytes and returns how
/// many, or how many it managed before a fault. A pending signal ends the
/// read early; a fault ends it with the bytes so far (`EFAULT` if none).
fn read_steps(
    buf: &mut ReadBuf,
    mut step: impl FnMut(&mut ReadBuf) -> core::result::Result<usize, usize>,
) -> Result<usize> {
    let mut done = 0;
    while !buf.is_empty() {
        if done > 0 && kernel::current!().signal_pending() {
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
fn read_zeroes(buf: &mut ReadBuf) -> Result<usize> {
    read_steps(buf, |buf| {
        let n = buf.len().min(CHUNK);
        buf.zero(n).map(|()| n)
    })
}

struct Null;

impl ClassDevice for Null {}

impl FileOps for Null {
    fn read(&self, _f: &File, _buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        Ok(0)
    }
    fn write(&self, _f: &File, buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        Ok(buf.len())
    }
    fn llseek(&self, _f: &File, _offset: i64, _whence: i32, _pos: i64) -> Result<i64> {
        seek_to_start()
    }
}

struct Zero;

impl ClassDevice for Zero {}

impl FileOps for Zero {
    fn read(&self, _f: &File, buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        read_zeroes(buf)
    }
    fn write(&self, _f: &File, buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        Ok(buf.len())
    }
    fn llseek(&self, _f: &File, _offset: i64, _whence: i32, _pos: i64) -> Result<i64> {
        seek_to_start()
    }
}

struct Full;

impl ClassDevice for Full {}

impl FileOps for Full {
    fn read(&self, _f: &File, buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        read_zeroes(buf)
    }
    fn write(&self, _f: &File, _buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        Err(ENOSPC)
    }
    fn llseek(&self, _f: &File, _offset: i64, _whence: i32, _pos: i64) -> Result<i64> {
        seek_to_start()
    }
}

/// /dev/urandom: never blocks.
struct Random;

impl ClassDevice for Random {}

impl FileOps for Random {
    fn read(&self, _f: &File, buf: &mut ReadBuf, _pos: &mut i64) -> Result<usize> {
        let mut scratch = [0u8; 256];
        read_steps(buf, |buf| {
            let n = buf.len().min(scratch.len());
            sys::random_bytes(&mut scratch[..n]);
            buf.write_slice(&scratch[..n]).map(|()| n).map_err(|_| 0)
        })
    }
    /// Like a write to /dev/urandom: mixed into the pool, not credited.
    fn write(&self, _f: &File, buf: &mut UserSliceReader, _pos: &mut i64) -> Result<usize> {
        let mut scratch = [0u8; 256];
        let mut done = 0;
        while !buf.is_empty() {
            let n = buf.len().min(scratch.len());
            buf.read_slice(&mut scratch[..n])?;
            sys::mix_randomness(&scratch[..n]);
            done += n;
            sys::cond_resched();
        }
        Ok(done)
    }
    /// `noop_llseek`: the position never moves.
    fn llseek(&self, _f: &File, _offset: i64, _whence: i32, pos: i64) -> Result<i64> {
        Ok(pos)
    }
}

fn null() -> Result<Arc<dyn ClassDevice>> {
    Ok(Arc::new(Null, GFP_KERNEL)?)
}

fn zero() -> Result<Arc<dyn ClassDevice>> {
    Ok(Arc::new(Zero, GFP_KERNEL)?)
}

fn full() -> Result<Arc<dyn ClassDevice>> {
    Ok(Arc::new(Full, GFP_KERNEL)?)
}

fn random() -> Result<Arc<dyn ClassDevice>> {
    Ok(Arc::new(Random, GFP_KERNEL)?)
}

pub(super) const NULL: Class = Class::new(c_str!("null"), null);
pub(super) const ZERO: Class = Class::new(c_str!("zero"), zero);
pub(super) const FULL: Class = Class::new(c_str!("full"), full);
pub(super) const RANDOM: Class = Class::new(c_str!("random"), random);
