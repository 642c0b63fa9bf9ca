// SPDX-License-Identifier: GPL-2.0

//! `null`, `zero`, `full` and `random`: the mem devices of
//! drivers/char/mem.c and drivers/char/random.c, per container.

use super::{Class, ClassDevice};
use crate::{
    sys,
    vfs::{File, FileOps},
};
use kernel::{
    c_str,
    prelude::*,
    sync::Arc,
    uaccess::{UserSliceReader, UserSliceWriter},
};

/// Bytes moved per step of a long read, between signal checks.
const CHUNK: usize = 4096;

static ZEROES: [u8; CHUNK] = [0; CHUNK];

/// `null_lseek` and `zero_lseek` of mem.c: every seek lands at 0.
fn seek_to_start() -> Result<i64> {
    Ok(0)
}

/// Writes `buf.len()` bytes produced by `fill`, a chunk at a time, as
/// read_zero() and get_random_bytes_user() do: a pending signal ends the
/// read early (-ERESTARTSYS if nothing was read).
fn read_chunks(
    buf: &mut UserSliceWriter,
    mut fill: impl FnMut(&mut [u8]) -> &[u8],
) -> Result<usize> {
    let mut scratch = [0u8; 256];
    let mut done = 0;
    while !buf.is_empty() {
        if done > 0 && kernel::current!().signal_pending() {
            break;
        }
        let chunk = fill(&mut scratch);
        let n = chunk.len().min(buf.len());
        buf.write_slice(&chunk[..n])?;
        done += n;
        sys::cond_resched();
    }
    Ok(done)
}

struct Null;

impl ClassDevice for Null {}

impl FileOps for Null {
    fn read(&self, _f: &File, _buf: &mut UserSliceWriter, _pos: &mut i64) -> Result<usize> {
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
    fn read(&self, _f: &File, buf: &mut UserSliceWriter, _pos: &mut i64) -> Result<usize> {
        read_chunks(buf, |_| &ZEROES[..])
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
    fn read(&self, _f: &File, buf: &mut UserSliceWriter, _pos: &mut i64) -> Result<usize> {
        read_chunks(buf, |_| &ZEROES[..])
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
    fn read(&self, _f: &File, buf: &mut UserSliceWriter, _pos: &mut i64) -> Result<usize> {
        read_chunks(buf, |scratch| {
            sys::random_bytes(scratch);
            scratch
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

pub(super) const NULL: Class = Class {
    name: c_str!("null"),
    create: null,
};
pub(super) const ZERO: Class = Class {
    name: c_str!("zero"),
    create: zero,
};
pub(super) const FULL: Class = Class {
    name: c_str!("full"),
    create: full,
};
pub(super) const RANDOM: Class = Class {
    name: c_str!("random"),
    create: random,
};
