//! What devnsctl knows about a node of an instance: the device INFO
//! reports, and its kind.

/// A device as ADD and INFO report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub name: String,
    pub class: String,
    pub major: u32,
    pub minor: u32,
    pub id: u64,
}

/// The classes whose nodes stand for a host driver's device
/// (Documentation: "Pass-through classes"). The ABI reports no kind, and
/// this list is the Documentation's; every other class is devnsfs's own.
const PASS_THROUGH: &[&str] = &["host", "tty", "tun", "fuse", "kvm"];

/// What an entry of an instance's tree is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A device of a devnsfs class (null, rtc, ...), numbered by devnsfs.
    Native,
    /// A node standing for a host driver's device, with the host's number.
    PassThrough,
    /// A directory devnsfs made for device paths.
    Directory,
    /// A directory something else is mounted on: ls does not enter it.
    MountPoint,
    /// The instance's control node.
    Control,
    Symlink,
    /// An empty regular file the owner made as a bind-mount target
    /// (a runtime's console).
    File,
    /// Anything else an instance may come to hold.
    Other,
}

impl Kind {
    pub fn of_class(class: &str) -> Kind {
        if PASS_THROUGH.contains(&class) {
            Kind::PassThrough
        } else {
            Kind::Native
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Native => "native",
            Kind::PassThrough => "pass-through",
            Kind::Directory => "directory",
            Kind::MountPoint => "mountpoint",
            Kind::Control => "control",
            Kind::Symlink => "symlink",
            Kind::File => "file",
            Kind::Other => "other",
        }
    }
}

impl Device {
    pub fn kind(&self) -> Kind {
        Kind::of_class(&self.class)
    }
}

/// One line of `ls`: a path below the instance's root and what is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub kind: Kind,
    /// INFO's answer, for device nodes.
    pub device: Option<Device>,
    /// The control node's number (INFO does not describe it).
    pub number: Option<(u32, u32)>,
    /// A symlink's target.
    pub target: Option<String>,
}

impl Entry {
    pub fn bare(path: String, kind: Kind) -> Entry {
        Entry {
            path,
            kind,
            device: None,
            number: None,
            target: None,
        }
    }

    pub fn device(d: Device) -> Entry {
        Entry {
            path: d.name.clone(),
            kind: d.kind(),
            device: Some(d),
            number: None,
            target: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_classes() {
        for c in ["null", "zero", "full", "random", "rtc"] {
            assert_eq!(Kind::of_class(c), Kind::Native, "{c}");
        }
        for c in ["host", "tty", "tun", "fuse", "kvm"] {
            assert_eq!(Kind::of_class(c), Kind::PassThrough, "{c}");
        }
        assert_eq!(Kind::PassThrough.as_str(), "pass-through");
    }
}
