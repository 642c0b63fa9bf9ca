//! The command line: its grammar (clap derive) and the checks clap cannot
//! express. Parsing never touches the system, so the unit tests cover it
//! whole.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};

use crate::abi;
use crate::help;

#[derive(Parser, Debug, PartialEq, Eq)]
#[command(
    name = "devnsctl",
    version,
    about = help::ABOUT,
    long_about = help::LONG_ABOUT,
    after_long_help = help::AFTER_LONG_HELP,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// The control node of the instance [default: /dev/devns-control]
    #[arg(long, global = true, value_name = "PATH", conflicts_with = "pid")]
    pub control: Option<PathBuf>,

    /// The instance at /dev of process PID (/proc/PID/root/dev/devns-control)
    #[arg(long, global = true, value_name = "PID")]
    pub pid: Option<u32>,

    /// Print results as JSON (add, info, ls: one value; monitor: one object per line)
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug, PartialEq, Eq)]
pub enum Command {
    /// Add a device
    #[command(long_about = help::ADD_LONG)]
    Add {
        /// The device's path from the instance's root (1 to 63 bytes)
        #[arg(value_parser = parse_name)]
        name: String,
        /// null, zero, full, random, rtc, tty, tun, fuse, kvm, host
        #[arg(value_parser = parse_class)]
        class: String,
        /// The host device a "host" device passes through
        #[arg(long = "host", value_name = "MAJOR:MINOR", value_parser = parse_number)]
        number: Option<(u32, u32)>,
    },
    /// Remove a device: its node goes, and its open files are revoked
    #[command(visible_alias = "remove")]
    Rm {
        #[arg(value_parser = parse_name)]
        name: String,
    },
    /// Describe a device: class, number, id, kind
    Info {
        #[arg(value_parser = parse_name)]
        name: String,
    },
    /// List every entry of the instance
    #[command(long_about = help::LS_LONG)]
    Ls,
    /// Print this network namespace's devnsfs uevents as they arrive
    #[command(long_about = help::MONITOR_LONG)]
    Monitor {
        /// Exit after N events
        #[arg(short = 'n', long, value_name = "N")]
        count: Option<u64>,
        /// Print every property of each event below its line
        #[arg(short = 'p', long)]
        property: bool,
    },
    /// Mount a new instance on DIR
    #[command(long_about = help::MOUNT_LONG)]
    Mount {
        /// Comma-separated options (may be repeated)
        #[arg(short = 'o', value_name = "OPTIONS")]
        options: Vec<String>,
        dir: PathBuf,
    },
}

/// A name the ioctl's field can hold (the kernel checks the rest, and its
/// EINVAL is explained).
fn parse_name(s: &str) -> Result<String, String> {
    bounded(s, abi::NAME_MAX, "name")
}

fn parse_class(s: &str) -> Result<String, String> {
    bounded(s, abi::CLASS_MAX, "class")
}

fn bounded(s: &str, field: usize, what: &str) -> Result<String, String> {
    if s.is_empty() {
        Err(format!("a {what} cannot be empty"))
    } else if s.len() >= field {
        Err(format!(
            "a {what} is at most {} bytes, this is {}",
            field - 1,
            s.len()
        ))
    } else {
        Ok(s.to_owned())
    }
}

/// "226:128", as ls -l and /proc/devices write device numbers.
fn parse_number(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("expected MAJOR:MINOR in decimal, like 226:128, not {s:?}");
    let (major, minor) = s.split_once(':').ok_or_else(bad)?;
    Ok((
        major.parse().map_err(|_| bad())?,
        minor.parse().map_err(|_| bad())?,
    ))
}

impl Cli {
    /// Parses and checks the command line; a usage error is a clap::Error
    /// (exit status 2).
    pub fn try_from_args<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let cli = Cli::try_parse_from(args)?;
        cli.check()?;
        Ok(cli)
    }

    /// What clap's grammar cannot say.
    fn check(&self) -> Result<(), clap::Error> {
        let usage = |msg: &str| Err(Cli::command().error(ErrorKind::ArgumentConflict, msg));
        match &self.command {
            Command::Add { class, number, .. } => match (class.as_str(), number) {
                ("host", None) => {
                    return Err(Cli::command().error(
                        ErrorKind::MissingRequiredArgument,
                        "class host needs --host MAJOR:MINOR, the host device to pass through",
                    ));
                }
                (c, Some(_)) if c != "host" => {
                    return usage("--host MAJOR:MINOR is for class host only");
                }
                _ => {}
            },
            Command::Monitor { .. } | Command::Mount { .. } => {
                if self.control.is_some() || self.pid.is_some() {
                    return usage(
                        "--control and --pid name an instance; monitor and mount act in your \
                         own namespaces (enter a container's with nsenter)",
                    );
                }
                if matches!(self.command, Command::Mount { .. }) && self.json {
                    return usage("mount prints nothing to format: --json is for queries");
                }
            }
            Command::Rm { .. } | Command::Info { .. } | Command::Ls => {}
        }
        Ok(())
    }

    /// The control node to open.
    pub fn control_path(&self) -> PathBuf {
        match (&self.control, self.pid) {
            (Some(p), _) => p.clone(),
            (None, Some(pid)) => {
                PathBuf::from(format!("/proc/{pid}/root/dev/{}", abi::CONTROL_NAME))
            }
            (None, None) => PathBuf::from(format!("/dev/{}", abi::CONTROL_NAME)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_from_args(std::iter::once("devnsctl").chain(args.iter().copied()))
    }

    fn usage_error(args: &[&str]) -> String {
        match parse(args) {
            Ok(cli) => panic!("{args:?} parsed as {cli:?}"),
            Err(e) => {
                assert_eq!(e.exit_code(), 2, "{args:?}: {e}");
                e.to_string()
            }
        }
    }

    #[test]
    fn add_with_defaults() {
        let cli = parse(&["add", "null", "null"]).expect("parses");
        assert_eq!(
            cli.command,
            Command::Add {
                name: "null".into(),
                class: "null".into(),
                number: None
            }
        );
        assert!(!cli.json);
        assert_eq!(cli.control_path(), PathBuf::from("/dev/devns-control"));
    }

    #[test]
    fn global_options_go_before_or_after_the_command() {
        let a = parse(&[
            "--control",
            "/tmp/d/devns-control",
            "--json",
            "info",
            "net/tun",
        ]);
        let b = parse(&[
            "info",
            "net/tun",
            "--json",
            "--control",
            "/tmp/d/devns-control",
        ]);
        let a = a.expect("parses");
        assert_eq!(Some(a), b.ok());
    }

    #[test]
    fn pid_names_the_processes_dev() {
        let cli = parse(&["--pid", "4242", "ls"]).expect("parses");
        assert_eq!(
            cli.control_path(),
            PathBuf::from("/proc/4242/root/dev/devns-control")
        );
        assert!(usage_error(&["--pid", "x", "ls"]).contains("invalid value"));
    }

    #[test]
    fn control_and_pid_conflict() {
        usage_error(&["--pid", "1", "--control", "/x", "ls"]);
    }

    #[test]
    fn host_class_takes_a_number() {
        let cli = parse(&["add", "dri/renderD128", "host", "--host", "226:128"]).expect("parses");
        assert_eq!(
            cli.command,
            Command::Add {
                name: "dri/renderD128".into(),
                class: "host".into(),
                number: Some((226, 128))
            }
        );
        assert!(usage_error(&["add", "gpu", "host"]).contains("needs --host MAJOR:MINOR"));
        assert!(usage_error(&["add", "n", "null", "--host", "1:3"]).contains("class host only"));
        assert!(usage_error(&["add", "g", "host", "--host", "226"]).contains("MAJOR:MINOR"));
        assert!(usage_error(&["add", "g", "host", "--host", "a:1"]).contains("MAJOR:MINOR"));
    }

    #[test]
    fn names_and_classes_must_fit_their_fields() {
        parse(&["info", &"a".repeat(63)]).expect("63 bytes fit");
        assert!(usage_error(&["info", &"a".repeat(64)]).contains("at most 63 bytes, this is 64"));
        assert!(usage_error(&["add", "x", &"c".repeat(16)]).contains("at most 15 bytes"));
        assert!(usage_error(&["rm", ""]).contains("cannot be empty"));
    }

    #[test]
    fn remove_is_an_alias_of_rm() {
        let cli = parse(&["remove", "null"]).expect("parses");
        assert_eq!(
            cli.command,
            Command::Rm {
                name: "null".into()
            }
        );
    }

    #[test]
    fn monitor_and_mount() {
        let cli = parse(&["monitor", "-n", "2", "--json"]).expect("parses");
        assert_eq!(
            cli.command,
            Command::Monitor {
                count: Some(2),
                property: false
            }
        );
        let cli = parse(&["mount", "-o", "mode=0666", "-o", "max=5", "/dev"]).expect("parses");
        assert_eq!(
            cli.command,
            Command::Mount {
                options: vec!["mode=0666".into(), "max=5".into()],
                dir: "/dev".into()
            }
        );
        assert!(usage_error(&["monitor", "--pid", "1"]).contains("own namespaces"));
        assert!(usage_error(&["mount", "--json", "/dev"]).contains("--json is for queries"));
        usage_error(&["mount"]);
    }

    #[test]
    fn usage_errors() {
        usage_error(&[]);
        usage_error(&["frobnicate"]);
        usage_error(&["add", "null"]);
        usage_error(&["ls", "extra"]);
    }

    #[test]
    fn help_is_a_man_page() {
        let e = usage_error_or_help(&["--help"]);
        for section in [
            "EXAMPLES:",
            "EXIT STATUS:",
            "ERRORS",
            "EDQUOT",
            "--pid <PID>",
        ] {
            assert!(e.contains(section), "--help lacks {section}");
        }
        assert!(usage_error_or_help(&["add", "--help"]).contains("CAP_MKNOD"));
    }

    fn usage_error_or_help(args: &[&str]) -> String {
        match parse(args) {
            Ok(cli) => panic!("{args:?} parsed as {cli:?}"),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::DisplayHelp);
                assert_eq!(e.exit_code(), 0);
                e.render().to_string()
            }
        }
    }

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }
}
