//! devnsfs uevents as <linux/devnsfs.h> describes them: the kernel's
//! format, NUL-terminated strings without a netlink header, the first
//! "ACTION@DEVPATH", then KEY=VALUE pairs.

use crate::json::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uevent {
    /// "add@/devices/virtual/devnsfs/0:45/null".
    pub header: String,
    /// KEY=VALUE pairs in the order sent.
    pub properties: Vec<(String, String)>,
}

impl Uevent {
    /// Parses a message; None for what is not a kernel-format uevent (a
    /// libudev message, say, which starts "libudev\0" and has no '@').
    pub fn parse(bytes: &[u8]) -> Option<Uevent> {
        let mut fields = bytes
            .split(|&b| b == 0)
            .filter(|f| !f.is_empty())
            .map(String::from_utf8_lossy);
        let header = fields.next()?.into_owned();
        if !header.contains('@') {
            return None;
        }
        let properties = fields
            .filter_map(|f| f.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect();
        Some(Uevent { header, properties })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// devnsfs's own: other kernel uevents reach the same socket.
    pub fn is_devnsfs(&self) -> bool {
        self.get("SUBSYSTEM") == Some("devnsfs")
    }

    /// The instance's st_dev, "major:minor", from DEVPATH
    /// (/devices/virtual/devnsfs/INSTANCE/KOBJ).
    pub fn instance(&self) -> Option<&str> {
        self.get("DEVPATH")?
            .strip_prefix("/devices/virtual/devnsfs/")?
            .split('/')
            .next()
    }

    fn num(&self, key: &str) -> Option<u64> {
        self.get(key)?.parse().ok()
    }

    /// `12.345678 add null class=null dev=251:1 id=1 instance=0:45 seq=1`:
    /// when (CLOCK_MONOTONIC, as udevadm monitor prints), what, and the
    /// fields a reader wants; `-p` prints every property below it.
    pub fn line(&self, usec: u64) -> String {
        let g = |k| self.get(k).unwrap_or("?");
        format!(
            "{}.{:06} {:<6} {} class={} dev={}:{} id={} instance={} seq={}",
            usec / 1_000_000,
            usec % 1_000_000,
            g("ACTION"),
            g("DEVNAME"),
            g("DEVNS_CLASS"),
            g("MAJOR"),
            g("MINOR"),
            g("DEVNS_ID"),
            self.instance().unwrap_or("?"),
            g("SEQNUM"),
        )
    }

    /// One JSON object: the fields of `line` typed, then every property
    /// as sent.
    pub fn json(&self, usec: u64) -> Value {
        let mut fields = vec![("usec", Value::Num(usec))];
        let mut text = |name, key| {
            if let Some(v) = self.get(key) {
                fields.push((name, Value::str(v)));
            }
        };
        text("action", "ACTION");
        text("name", "DEVNAME");
        text("class", "DEVNS_CLASS");
        for (name, key) in [("major", "MAJOR"), ("minor", "MINOR"), ("id", "DEVNS_ID")] {
            if let Some(n) = self.num(key) {
                fields.push((name, Value::Num(n)));
            }
        }
        if let Some(i) = self.instance() {
            fields.push(("instance", Value::str(i)));
        }
        if let Some(n) = self.num("SEQNUM") {
            fields.push(("seqnum", Value::Num(n)));
        }
        let props = self
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), Value::str(v.as_str())))
            .collect();
        fields.push(("properties", Value::Map(props)));
        Value::Obj(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let fields = [
            "add@/devices/virtual/devnsfs/0:45/net!tun",
            "ACTION=add",
            "DEVPATH=/devices/virtual/devnsfs/0:45/net!tun",
            "SUBSYSTEM=devnsfs",
            "DEVNAME=net/tun",
            "MAJOR=10",
            "MINOR=200",
            "DEVMODE=0666",
            "DEVNS_CLASS=tun",
            "DEVNS_ID=6",
            "SEQNUM=3",
        ];
        fields.iter().flat_map(|f| f.bytes().chain([0])).collect()
    }

    #[test]
    fn parses_the_documented_format() {
        let ev = Uevent::parse(&sample()).expect("a uevent");
        assert_eq!(ev.header, "add@/devices/virtual/devnsfs/0:45/net!tun");
        assert!(ev.is_devnsfs());
        assert_eq!(ev.get("DEVNAME"), Some("net/tun"));
        assert_eq!(ev.instance(), Some("0:45"));
        assert_eq!(ev.properties.len(), 10);
    }

    #[test]
    fn refuses_what_is_not_a_kernel_uevent() {
        assert_eq!(Uevent::parse(b"libudev\0\xfe\xed"), None);
        assert_eq!(Uevent::parse(b""), None);
        let other = Uevent::parse(b"add@/devices/x\0SUBSYSTEM=net\0").expect("a uevent");
        assert!(!other.is_devnsfs());
    }

    #[test]
    fn line_and_json() {
        let ev = Uevent::parse(&sample()).expect("a uevent");
        assert_eq!(
            ev.line(12_000_345),
            "12.000345 add    net/tun class=tun dev=10:200 id=6 instance=0:45 seq=3"
        );
        let json = ev.json(7).render();
        assert!(
            json.starts_with(concat!(
                r#"{"usec":7,"action":"add","name":"net/tun","class":"tun","major":10,"#,
                r#""minor":200,"id":6,"instance":"0:45","seqnum":3,"properties":{"ACTION":"add","#
            )),
            "{json}"
        );
        assert!(json.ends_with(r#""DEVNS_ID":"6","SEQNUM":"3"}}"#), "{json}");
    }
}
