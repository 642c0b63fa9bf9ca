//! devnsctl: the command-line tool of devnsfs. See help.rs for what it
//! does and Documentation/filesystems/devnsfs.rst for the ABI it speaks.

// Only control.rs may use unsafe code (its ioctl).
#![deny(unsafe_code)]

mod abi;
mod cli;
#[allow(unsafe_code)]
mod control;
mod device;
mod errno;
mod failure;
mod format;
mod help;
mod json;
mod monitor;
mod mount;
mod output;
mod reasons;
mod uevent;
mod walk;

use std::process::ExitCode;

use cli::{Cli, Command};
use control::Control;
use failure::Failure;

fn main() -> ExitCode {
    let cli = match Cli::try_from_args(std::env::args_os()) {
        Ok(cli) => cli,
        // Usage errors exit 2, --help and --version 0, as clap decides.
        Err(e) => e.exit(),
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("devnsctl: {f}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> Result<(), Failure> {
    let path = cli.control_path();
    match &cli.command {
        Command::Add {
            name,
            class,
            number,
        } => {
            let (major, minor) = number.unwrap_or((0, 0));
            let d = Control::open(&path, true)?.add(name, class, major, minor)?;
            print_device(cli, &d)
        }
        Command::Rm { name } => Control::open(&path, true)?.remove(name),
        Command::Info { name } => {
            let d = Control::open(&path, false)?.info(name)?;
            print_device(cli, &d)
        }
        Command::Ls => {
            let entries = walk::list(&Control::open(&path, false)?)?;
            if cli.json {
                output::line(&format::entries_json(&entries).render())
            } else {
                output::lines(&format::entries_table(&entries))
            }
        }
        Command::Monitor { count, property } => monitor::run(&monitor::Options {
            json: cli.json,
            properties: *property,
            count: *count,
        }),
        Command::Mount { options, dir } => mount::run(options, dir),
    }
}

fn print_device(cli: &Cli, d: &device::Device) -> Result<(), Failure> {
    if cli.json {
        output::line(&format::device_json(d).render())
    } else {
        output::line(&format::device_line(d))
    }
}
