//! The control ABI of include/uapi/linux/devnsfs.h, mirrored by hand: the
//! crate builds without kernel headers or bindgen, and the unit tests pin
//! the layout and the ioctl numbers to the header's.

use rustix::ioctl::{Opcode, opcode};

/// statfs(2) f_type of every devnsfs instance ("devs").
pub const SUPER_MAGIC: i64 = 0x6465_7673;
/// The control node in the root of every instance.
pub const CONTROL_NAME: &str = "devns-control";
/// Sizes of the name fields, each including its terminating NUL.
pub const NAME_MAX: usize = 64;
pub const CLASS_MAX: usize = 16;

/// `struct devnsfs_device`, the argument of every control ioctl.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevnsfsDevice {
    pub name: [u8; NAME_MAX],
    pub class_name: [u8; CLASS_MAX],
    pub flags: u32,
    pub major: u32,
    pub minor: u32,
    pub reserved0: u32,
    pub id: u64,
    pub reserved: [u64; 4],
}

const _: () = assert!(size_of::<DevnsfsDevice>() == 136);

pub const IOC_MAGIC: u8 = 0xDE;
pub const IOC_ADD: Opcode = opcode::read_write::<DevnsfsDevice>(IOC_MAGIC, 0x01);
pub const IOC_REMOVE: Opcode = opcode::write::<DevnsfsDevice>(IOC_MAGIC, 0x02);
pub const IOC_INFO: Opcode = opcode::read_write::<DevnsfsDevice>(IOC_MAGIC, 0x03);

impl DevnsfsDevice {
    /// An argument for `name` (and `class`, for ADD), every other field 0
    /// as the kernel demands. The CLI's parsers bound both lengths, so
    /// `None` (too long to hold with its NUL) only reaches library callers.
    pub fn new(name: &str, class: &str, major: u32, minor: u32) -> Option<Self> {
        let mut d = DevnsfsDevice {
            name: [0; NAME_MAX],
            class_name: [0; CLASS_MAX],
            flags: 0,
            major,
            minor,
            reserved0: 0,
            id: 0,
            reserved: [0; 4],
        };
        copy_field(&mut d.name, name)?;
        copy_field(&mut d.class_name, class)?;
        Some(d)
    }

    /// The class the kernel wrote back (INFO), up to its NUL.
    pub fn class(&self) -> String {
        field_str(&self.class_name)
    }
}

/// Copies `s` into a NUL-terminated field; None if it does not fit.
fn copy_field(field: &mut [u8], s: &str) -> Option<()> {
    let bytes = s.as_bytes();
    if bytes.len() >= field.len() || bytes.contains(&0) {
        return None;
    }
    field[..bytes.len()].copy_from_slice(bytes);
    Some(())
}

fn field_str(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_the_header() {
        // _IOWR(0xDE, 1, 136 bytes) and friends, as C computes them.
        assert_eq!(IOC_ADD, 0xC088_DE01);
        assert_eq!(IOC_REMOVE, 0x4088_DE02);
        assert_eq!(IOC_INFO, 0xC088_DE03);
    }

    #[test]
    fn fields_are_nul_terminated() {
        let d = DevnsfsDevice::new("dri/renderD128", "host", 226, 128).expect("fits");
        assert_eq!(&d.name[..15], b"dri/renderD128\0");
        assert_eq!(d.class(), "host");
        assert_eq!((d.major, d.minor, d.flags, d.id), (226, 128, 0, 0));
    }

    #[test]
    fn overlong_fields_are_refused() {
        assert!(DevnsfsDevice::new(&"a".repeat(63), "null", 0, 0).is_some());
        assert!(DevnsfsDevice::new(&"a".repeat(64), "null", 0, 0).is_none());
        assert!(DevnsfsDevice::new("x", &"c".repeat(16), 0, 0).is_none());
    }
}
