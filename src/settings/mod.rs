//! Two-step parsing: clap structs plus mosquitto's defaults file become one
//! validated settings value per binary. Nothing below this layer sees raw
//! strings; errors are worded as mosquitto words them.

mod argv;
pub mod assertion;
mod bench;
pub mod check;
mod conn;
mod defaults_file;
mod number;
mod passwd;
mod props;
mod publish;
mod subscribe;
mod tls;

pub use assertion::{Assertion, Op};
pub use bench::{
    BenchJob, BenchSettings, EdgeNodes, HEADER_LEN, Load, Pacing, Publishing, Receiving, ReportSettings, ScenarioKind,
    default_filter,
};
pub use check::{CheckAssertion, CheckSettings};
pub(crate) use conn::parse_url;
pub use conn::{ConnSettings, Credentials, Endpoint, Proxy, ProxyKind, SessionOptions, Will};
pub use passwd::{DEFAULT_ITERATIONS, HashKind, MOSQUITTO_ITERATIONS, PasswdMode, PasswdSettings, PasswordFrom};
pub use props::Props;
pub use publish::{MAX_PAYLOAD, PubSettings, Source, Speed};
pub use subscribe::{OutputSettings, RrSettings, SubSettings};
pub use tls::{TlsSettings, TlsVersion};

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::exit::{Exit, Program};
use crate::{Binary, usage};

/// What a binary's parsed arguments become: the one validated value its
/// feature receives. `program`: under a mosquitto name, the few errors that
/// differ are worded as mosquitto's.
pub trait IntoSettings {
    type Settings;
    fn into_settings(self, program: &Program) -> anyhow::Result<Self::Settings>;
    /// `--quiet`: diagnostics are off for the whole run.
    fn quiet(settings: &Self::Settings) -> bool;
}

macro_rules! into_settings {
    ($($args:ty => $settings:ty, $wording:ident, |$s:ident| $quiet:expr);* $(;)?) => {$(
        impl IntoSettings for $args {
            type Settings = $settings;
            fn into_settings(self, program: &Program) -> anyhow::Result<$settings> {
                into_settings!(@call $settings, self, program, $wording)
            }
            fn quiet($s: &$settings) -> bool {
                $quiet
            }
        }
    )*};
    (@call $settings:ty, $args:expr, $program:expr, worded) => {
        <$settings>::from_args($args, $program.mosquitto_wording())
    };
    (@call $settings:ty, $args:expr, $program:expr, plain) => {{
        let _ = $program;
        <$settings>::from_args($args)
    }};
}

into_settings! {
    crate::cli::PubArgs => PubSettings, worded, |s| s.conn.quiet;
    crate::cli::SubArgs => SubSettings, worded, |s| s.conn.quiet;
    crate::cli::RrArgs => RrSettings, worded, |s| s.conn.quiet;
    crate::cli::PasswdArgs => PasswdSettings, worded, |_s| false;
    crate::cli::BenchArgs => BenchJob, plain, |s| s.quiet();
}

/// Parse argv (with the defaults file in front of it for the mosquitto
/// clients) into the binary's clap struct, turning clap's errors into
/// mosquitto-style ones.
pub fn parse_args<A: Binary>(program: &Program, argv: Vec<OsString>) -> anyhow::Result<Parsed<A>> {
    let mut full: Vec<OsString> = Vec::with_capacity(argv.len() + 8);
    full.push(argv.first().cloned().unwrap_or_else(|| program.name.clone().into()));
    if A::DEFAULTS_FILE {
        full.extend(defaults_file::load(program, &argv[1.min(argv.len())..])?);
    }
    full.extend(argv.into_iter().skip(1));
    let cmd = A::command().name(program.name.clone()).bin_name(program.name.clone());
    let full = argv::prepare(&cmd, program, full)?;
    let dialect = program.mosquitto_wording();
    let matches = match cmd.try_get_matches_from(full) {
        Ok(m) => m,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            // Printed to stdout; mosquitto's clients then exit with status 1.
            let _ = e.print();
            return Ok(Parsed::Shown(if dialect { Exit::Error } else { Exit::Ok }));
        }
        Err(e) => return Err(clap_error(e)),
    };
    Ok(Parsed::Run(A::from_arg_matches(&matches).map_err(clap_error)?))
}

/// What the command line asked for.
pub enum Parsed<A> {
    /// A run with these arguments.
    Run(A),
    /// `--help` or `--version` was printed; exit with this.
    Shown(Exit),
}

/// clap's error in mosquitto's form.
fn clap_error(err: clap::Error) -> anyhow::Error {
    match err.kind() {
        ErrorKind::UnknownArgument => {
            if let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) {
                return usage!("Unknown option '{arg}'.");
            }
        }
        ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            if let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg)
                && arg.starts_with("--property")
            {
                return usage!("--property argument given but not enough arguments specified.");
            }
        }
        ErrorKind::InvalidUtf8 => return usage!("Malformed UTF-8 in an argument."),
        _ => {}
    }
    // Fall back on clap's own wording, first line, without its "error: " prefix.
    let rendered = err.render().to_string();
    let first = rendered.lines().next().unwrap_or_default();
    let text = first.strip_prefix("error: ").unwrap_or(first);
    let mut chars = text.chars();
    let text = match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::from("Invalid arguments."),
    };
    usage!("{text}")
}
