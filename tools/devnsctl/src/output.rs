//! Writing results to stdout. println! panics when stdout is gone (a
//! closed pipe: `devnsctl monitor | head -1`); this returns a Failure.

use std::io::Write;

use crate::failure::Failure;

pub fn lines<S: AsRef<str>>(lines: &[S]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    for l in lines {
        writeln!(out, "{}", l.as_ref()).map_err(|e| write_failure(&e))?;
    }
    out.flush().map_err(|e| write_failure(&e))
}

pub fn line(text: &str) -> Result<(), Failure> {
    lines(&[text])
}

pub fn write_failure(e: &std::io::Error) -> Failure {
    match rustix::io::Errno::from_io_error(e) {
        Some(errno) => Failure::errno("write to stdout", errno, None),
        None => Failure::plain("write to stdout", e.to_string()),
    }
}
