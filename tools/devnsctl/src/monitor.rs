//! `monitor`: devnsfs's uevents in the caller's network namespace, as
//! they arrive, like `udevadm monitor --kernel`.

use std::io::Write;

use rustix::io::Errno;
use rustix::net::netlink::{self, SocketAddrNetlink};
use rustix::net::{AddressFamily, RecvFlags, SocketFlags, SocketType};
use rustix::time::{ClockId, clock_gettime};

use crate::failure::Failure;
use crate::uevent::Uevent;

/// The kernel's uevent multicast group (udev's "kernel" source).
const KERNEL_GROUP: u32 = 1;
/// Room for bursts: an add storm must not overflow the queue between
/// reads (ENOBUFS, events lost).
const RCVBUF: usize = 1 << 20;

pub struct Options {
    pub json: bool,
    pub properties: bool,
    /// Exit after this many devnsfs events (scripts and tests).
    pub count: Option<u64>,
}

pub fn run(opts: &Options) -> Result<(), Failure> {
    let fail = |what: &str| {
        let what = what.to_owned();
        move |e: Errno| Failure::errno(what, e, None)
    };
    let sock = rustix::net::socket_with(
        AddressFamily::NETLINK,
        SocketType::RAW,
        SocketFlags::CLOEXEC,
        Some(netlink::KOBJECT_UEVENT),
    )
    .map_err(fail("socket"))?;
    rustix::net::bind(&sock, &SocketAddrNetlink::new(0, KERNEL_GROUP)).map_err(fail("bind"))?;
    // Best effort: the default queue still works, only smaller.
    let _ = rustix::net::sockopt::set_socket_recv_buffer_size(&sock, RCVBUF);
    // On stderr, so that stdout stays pure events (--json); a script
    // waits for this line before it acts.
    eprintln!("devnsctl: listening for devnsfs uevents in this network namespace");

    let mut seen = 0u64;
    let mut buf = vec![0u8; 8192];
    let stdout = std::io::stdout();
    while opts.count.is_none_or(|n| seen < n) {
        let (len, _, from) = match rustix::net::recvfrom(&sock, &mut buf[..], RecvFlags::empty()) {
            Ok(r) => r,
            Err(Errno::INTR) => continue,
            Err(Errno::NOBUFS) => {
                eprintln!(
                    "devnsctl: monitor: ENOBUFS: events were lost (the socket's queue overflowed)"
                );
                continue;
            }
            Err(e) => return Err(fail("recv")(e)),
        };
        // Only the kernel sends with portid 0; anyone in the netns may
        // multicast to group 1 from a socket of their own.
        let kernel = from
            .and_then(|a| SocketAddrNetlink::try_from(a).ok())
            .is_some_and(|a| a.pid() == 0);
        let Some(ev) = Uevent::parse(&buf[..len]) else {
            continue;
        };
        if !kernel || !ev.is_devnsfs() {
            continue;
        }
        let now = clock_gettime(ClockId::Monotonic);
        let usec = (now.tv_sec as u64) * 1_000_000 + (now.tv_nsec as u64) / 1000;
        let mut text = if opts.json {
            ev.json(usec).render()
        } else {
            ev.line(usec)
        };
        if opts.properties && !opts.json {
            for (k, v) in &ev.properties {
                text.push_str(&format!("\n  {k}={v}"));
            }
        }
        // Flushed per event: a reader at the other end of a pipe sees it
        // now, not when a buffer fills.
        let mut out = stdout.lock();
        writeln!(out, "{text}")
            .and_then(|()| out.flush())
            .map_err(|e| crate::output::write_failure(&e))?;
        seen += 1;
    }
    Ok(())
}
