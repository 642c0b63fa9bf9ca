//! What a failed operation reports: what was tried, the errno, and why,
//! in the Documentation's words (see reasons.rs). Exit status 1.

use std::fmt;

use rustix::io::Errno;

use crate::errno;

#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    /// What was tried: "add null", "open /dev/devns-control".
    pub what: String,
    pub errno: Option<Errno>,
    /// Why, for this operation; strerror's text when nothing better is
    /// known.
    pub reason: String,
}

impl Failure {
    pub fn errno(what: impl Into<String>, e: Errno, reason: Option<String>) -> Self {
        Failure {
            what: what.into(),
            errno: Some(e),
            reason: reason.unwrap_or_else(|| errno::describe(e)),
        }
    }

    /// A failure no system call reported (a path that is not devnsfs).
    pub fn plain(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Failure {
            what: what.into(),
            errno: None,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errno {
            Some(e) => write!(f, "{}: {}: {}", self.what, errno::name(e), self.reason),
            None => write!(f, "{}: {}", self.what, self.reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_errno_and_the_reason() {
        let f = Failure::errno("add x", Errno::DQUOT, Some("budget spent".into()));
        assert_eq!(f.to_string(), "add x: EDQUOT: budget spent");
        let f = Failure::errno("open p", Errno::NOENT, None);
        assert_eq!(f.to_string(), "open p: ENOENT: No such file or directory");
        let f = Failure::plain("ls /tmp", "not a devnsfs instance");
        assert_eq!(f.to_string(), "ls /tmp: not a devnsfs instance");
    }
}
