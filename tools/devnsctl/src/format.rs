//! How results are printed: one line per device for add and info, a table
//! for ls, and the same as JSON under --json.

use crate::device::{Device, Entry};
use crate::json::Value;

/// `null: class=null dev=251:1 id=1 kind=native`: the line add and info
/// print, one key=value per field so that scripts can cut it too.
pub fn device_line(d: &Device) -> String {
    format!(
        "{}: class={} dev={}:{} id={} kind={}",
        d.name,
        d.class,
        d.major,
        d.minor,
        d.id,
        d.kind().as_str()
    )
}

pub fn device_json(d: &Device) -> Value {
    Value::Obj(vec![
        ("name", Value::str(d.name.as_str())),
        ("class", Value::str(d.class.as_str())),
        ("major", Value::Num(d.major.into())),
        ("minor", Value::Num(d.minor.into())),
        ("id", Value::Num(d.id)),
        ("kind", Value::str(d.kind().as_str())),
    ])
}

pub fn entry_json(e: &Entry) -> Value {
    if let Some(d) = &e.device {
        return device_json(d);
    }
    let mut fields = vec![
        ("name", Value::str(e.path.as_str())),
        ("kind", Value::str(e.kind.as_str())),
    ];
    if let Some((major, minor)) = e.number {
        fields.push(("major", Value::Num(major.into())));
        fields.push(("minor", Value::Num(minor.into())));
    }
    if let Some(t) = &e.target {
        fields.push(("target", Value::str(t.as_str())));
    }
    Value::Obj(fields)
}

pub fn entries_json(entries: &[Entry]) -> Value {
    Value::Arr(entries.iter().map(entry_json).collect())
}

/// The ls table: NAME KIND CLASS DEV ID, "-" where a column does not
/// apply, columns as wide as their widest cell. A symlink's NAME is
/// "name -> target", as ls -l writes it.
pub fn entries_table(entries: &[Entry]) -> Vec<String> {
    let mut rows: Vec<[String; 5]> = vec![["NAME", "KIND", "CLASS", "DEV", "ID"].map(String::from)];
    for e in entries {
        let name = match &e.target {
            Some(t) => format!("{} -> {}", e.path, t),
            None => e.path.clone(),
        };
        let (class, dev, id) = match (&e.device, e.number) {
            (Some(d), _) => (
                d.class.clone(),
                format!("{}:{}", d.major, d.minor),
                d.id.to_string(),
            ),
            (None, Some((major, minor))) => ("-".into(), format!("{major}:{minor}"), "-".into()),
            (None, None) => ("-".into(), "-".into(), "-".into()),
        };
        rows.push([name, e.kind.as_str().into(), class, dev, id]);
    }
    let mut widths = [0; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
                if i + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<w$}  "));
                }
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Kind;

    fn dev(name: &str, class: &str, major: u32, minor: u32, id: u64) -> Device {
        Device {
            name: name.into(),
            class: class.into(),
            major,
            minor,
            id,
        }
    }

    #[test]
    fn device_line_and_json() {
        let d = dev("net/tun", "tun", 10, 200, 6);
        assert_eq!(
            device_line(&d),
            "net/tun: class=tun dev=10:200 id=6 kind=pass-through"
        );
        assert_eq!(
            device_json(&d).render(),
            r#"{"name":"net/tun","class":"tun","major":10,"minor":200,"id":6,"kind":"pass-through"}"#
        );
    }

    fn sample() -> Vec<Entry> {
        let mut ctl = Entry::bare("devns-control".into(), Kind::Control);
        ctl.number = Some((251, 0));
        let mut link = Entry::bare("fd".into(), Kind::Symlink);
        link.target = Some("/proc/self/fd".into());
        vec![
            ctl,
            link,
            Entry::bare("net".into(), Kind::Directory),
            Entry::device(dev("net/tun", "tun", 10, 200, 6)),
            Entry::device(dev("null", "null", 251, 1, 1)),
            Entry::bare("pts".into(), Kind::MountPoint),
            Entry::bare("console".into(), Kind::File),
        ]
    }

    #[test]
    fn table_is_aligned() {
        let lines = entries_table(&sample());
        assert_eq!(
            lines,
            [
                "NAME                 KIND          CLASS  DEV     ID",
                "devns-control        control       -      251:0   -",
                "fd -> /proc/self/fd  symlink       -      -       -",
                "net                  directory     -      -       -",
                "net/tun              pass-through  tun    10:200  6",
                "null                 native        null   251:1   1",
                "pts                  mountpoint    -      -       -",
                "console              file          -      -       -",
            ]
        );
    }

    #[test]
    fn entries_as_json() {
        assert_eq!(
            entries_json(&sample()).render(),
            concat!(
                r#"[{"name":"devns-control","kind":"control","major":251,"minor":0},"#,
                r#"{"name":"fd","kind":"symlink","target":"/proc/self/fd"},"#,
                r#"{"name":"net","kind":"directory"},"#,
                r#"{"name":"net/tun","class":"tun","major":10,"minor":200,"id":6,"kind":"pass-through"},"#,
                r#"{"name":"null","class":"null","major":251,"minor":1,"id":1,"kind":"native"},"#,
                r#"{"name":"pts","kind":"mountpoint"},"#,
                r#"{"name":"console","kind":"file"}]"#
            )
        );
    }
}
