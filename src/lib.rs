//! mqttkit: MQTT command-line tools that are drop-in compatible with the
//! mosquitto clients and never exit 0 after losing a message.
//!
//! The shape is **clap → settings → feature → client**, with the MQTT
//! vocabulary in the leaf [`mqtt`]: [`cli`] holds the clap definitions only,
//! [`settings`] turns them (plus the defaults file) into validated values,
//! the features ([`publish`], [`subscribe`], [`rr`], [`passwd`], [`bench`])
//! receive their settings only, and [`client`] is the only module that talks
//! to the MQTT library. Every binary in `src/bin/` is a few lines that hand
//! its args type and its feature's entry point to [`main_for`].
//! `docs/architecture.md` says who may import whom.

pub mod bench;
pub mod check;
pub mod cli;
pub mod client;
pub mod codec;
pub mod exit;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod mqtt;
pub mod passwd;
pub mod progress;
pub mod publish;
pub mod rr;
pub mod settings;
pub mod signals;
pub mod subscribe;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tokio::runtime::Runtime;

pub use exit::Program;

/// A binary of the toolkit: its clap struct plus whether it reads
/// mosquitto's one-option-per-line defaults file (`~/.config/<program>`).
pub trait Binary: Parser {
    /// The binary's own name, used when argv\[0\] is missing.
    const NAME: &'static str;
    /// True for the mosquitto-compatible clients (pub, sub, rr).
    const DEFAULTS_FILE: bool;
    /// The binary's exit-code table (mqtt-bench's own; the others mosquitto's).
    const CODES: exit::Codes = exit::Codes::Mosquitto;
}

/// The shared `main`: works out the program name from argv[0], merges the
/// defaults file, parses the arguments, turns them into the binary's
/// settings, runs the feature with them and maps the outcome to an exit code.
pub fn main_for<A: Binary + settings::IntoSettings>(run: fn(A::Settings, &Program) -> anyhow::Result<()>) -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let program = Program::from_argv0(argv.first().map(OsString::as_os_str), A::NAME);
    let settings = match settings::parse_args::<A>(&program, argv) {
        Ok(settings::Parsed::Shown(exit)) => return ExitCode::from(exit.code(A::CODES)),
        Ok(settings::Parsed::Run(args)) => settings::IntoSettings::into_settings(args, &program),
        Err(e) => Err(e),
    };
    let code = match settings {
        Ok(settings) => {
            exit::set_quiet(A::quiet(&settings));
            match run(settings, &program) {
                Ok(()) => exit::Exit::Ok.code(A::CODES),
                Err(err) => exit::report(&program, &err, A::CODES),
            }
        }
        Err(err) => {
            let code = exit::report(&program, &err, A::CODES);
            if err.downcast_ref::<exit::Usage>().is_some_and(|u| u.usage_on_stdout) {
                let mut cmd = A::command().name(program.name.clone()).bin_name(program.name.clone());
                let _ = write!(std::io::stdout().lock(), "{}", cmd.render_long_help());
            }
            code
        }
    };
    let _ = std::io::stdout().flush();
    ExitCode::from(code)
}

/// The one tokio runtime builder: `threads` 1 runs everything on the
/// current thread (pub, sub and rr: start-up is most of a one-shot publish;
/// mqtt-bench by default), more is a multi-thread runtime with that many
/// workers (`mqtt-bench --threads`).
pub fn runtime(threads: usize) -> std::io::Result<Runtime> {
    let mut builder = if threads > 1 {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build()
}
