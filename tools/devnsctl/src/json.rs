//! A JSON writer for --json: devnsctl only ever writes JSON, never parses
//! it, and its values are strings, integers, objects and arrays, so forty
//! lines replace serde and serde_json (and their four crates) here.

use std::fmt::Write;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Num(u64),
    Arr(Vec<Value>),
    /// Keys in the order given: output is stable and reads like the text.
    Obj(Vec<(&'static str, Value)>),
    /// An object whose keys come from elsewhere (a uevent's properties).
    Map(Vec<(String, Value)>),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// Compact JSON, one line: one object per line is what `jq` and
    /// line-oriented readers of `monitor --json` want.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Str(s) => quote(s, out),
            Value::Num(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Value::Obj(fields) => write_object(fields.iter().map(|(k, v)| (*k, v)), out),
            Value::Map(fields) => write_object(fields.iter().map(|(k, v)| (k.as_str(), v)), out),
        }
    }
}

fn write_object<'a>(fields: impl Iterator<Item = (&'a str, &'a Value)>, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        quote(k, out);
        out.push(':');
        v.write(out);
    }
    out.push('}');
}

/// A JSON string (RFC 8259 section 7): quote, backslash and control
/// characters escaped, everything else as UTF-8.
fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_compact_json() {
        let v = Value::Obj(vec![
            ("name", Value::str("net/tun")),
            ("major", Value::Num(10)),
            ("list", Value::Arr(vec![Value::Num(1), Value::str("a")])),
            ("props", Value::Map(vec![("K".into(), Value::str("v"))])),
        ]);
        assert_eq!(
            v.render(),
            r#"{"name":"net/tun","major":10,"list":[1,"a"],"props":{"K":"v"}}"#
        );
        assert_eq!(Value::Arr(vec![]).render(), "[]");
    }

    #[test]
    fn escapes_strings() {
        assert_eq!(
            Value::str("a\"b\\c\nd\u{1}é").render(),
            r#""a\"b\\c\nd\u0001é""#
        );
    }
}
