//! The exit-code table and the one function that maps errors to codes and
//! messages. Codes follow mosquitto's clients so scripts keep working:
//!
//! | code | when |
//! |---|---|
//! | 0 | success; a closed stdout pipe |
//! | 1 | usage or config error, input error, connect failure |
//! | 1–5 / 128–162 | the broker refused CONNECT: the CONNACK code itself |
//! | 128–162 | (pub) the broker rejected a publish: its v5 PUBACK/PUBREC reason code |
//! | 7 | connection lost while work was outstanding |
//! | 8 | TLS error after connect |
//! | 27 | `-W` timeout |
//! | 255 | (sub, rr) a signal before the connection was up, as mosquitto_sub |
//!
//! mqtt-passwd: 0 done, 1 error, 2 the two passwords typed differ; under
//! the name mosquitto_passwd, 10 for `-H argon2id` (mosquitto 2.1.2's build
//! has no argon2).
//!
//! A code travels one way: a feature returns `Ok(())` for success, or an
//! error — a [`Usage`] error, a [`Failure`] carrying its code (and the
//! message, if one is still to be printed; [`status`] makes one from a
//! code), or any other error — and [`report`] turns it into the message and
//! the code, per binary (its usage code and its code for an error without
//! one: mqtt-bench's 2 and 3).
//! mqtt-bench has its own table ([`bench`]): 0 pass, 1 an assertion failed,
//! 2 usage, 3 the run failed — any error that is neither of the middle two.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Write};
use std::path::Path;

/// Success.
pub const OK: u8 = 0;
/// Usage, configuration, input or connect error.
pub const ERROR: u8 = 1;
/// The connection was lost with work outstanding (libmosquitto's `MOSQ_ERR_CONN_LOST`).
pub const CONN_LOST: u8 = 7;
/// A TLS error after connecting (`MOSQ_ERR_TLS`).
pub const TLS: u8 = 8;
/// `-W` timed out (`MOSQ_ERR_TIMEOUT`).
pub const TIMEOUT: u8 = 27;
/// (mosquitto_passwd) `-H argon2id`, which mosquitto 2.1.2 cannot hash
/// (`MOSQ_ERR_NOT_SUPPORTED`).
pub const PASSWD_NO_HASH: u8 = 10;
/// (sub, rr) SIGINT/SIGTERM before the connection was up: mosquitto_sub's
/// `exit(-1)` from its signal handler.
pub const SIGNAL_BEFORE_CONNECT: u8 = 255;

/// mqtt-bench's exit codes: what CI reads.
pub mod bench {
    /// The run went through and every `--assert` held.
    pub const PASS: u8 = 0;
    /// An assertion failed: a performance verdict.
    pub const ASSERT_FAILED: u8 = 1;
    /// A usage or configuration error.
    pub const USAGE: u8 = 2;
    /// The run itself failed (could not connect, nothing delivered, or any
    /// other error) — never to be read as a performance regression.
    pub const RUN_FAILED: u8 = 3;
}

/// The name the program was started under: the basename of argv\[0\], so a
/// symlink `mosquitto_pub -> mqtt-pub` calls itself `mosquitto_pub` in every
/// message, usage line and defaults-file path.
#[derive(Debug, Clone)]
pub struct Program {
    pub name: String,
}

impl Program {
    pub fn from_argv0(argv0: Option<&OsStr>, fallback: &str) -> Self {
        let name = argv0
            .and_then(|a| Path::new(a).file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| fallback.to_string());
        Program { name }
    }

    /// Invoked under a mosquitto name: messages worded exactly as mosquitto's.
    pub fn mosquitto_wording(&self) -> bool {
        matches!(
            self.name.as_str(),
            "mosquitto_pub" | "mosquitto_sub" | "mosquitto_rr" | "mosquitto_passwd"
        )
    }

    /// Print a runtime diagnostic to stderr unless `--quiet` (mosquitto's `err_printf`).
    pub fn diag(&self, quiet: bool, msg: fmt::Arguments<'_>) {
        if !quiet {
            eprint_line(msg);
        }
    }
}

/// A command-line error: printed as `Error: ...` followed by
/// `Use '<program> --help' to see usage.`, exit 1 — or, with
/// `usage_on_stdout` (mosquitto_pub's missing topic or message,
/// mosquitto_passwd's wrong arguments), followed by nothing while the shared
/// main prints the usage on stdout (and with an empty `text`, nothing on
/// stderr at all).
#[derive(Debug)]
pub struct Usage {
    pub text: String,
    pub usage_on_stdout: bool,
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
impl std::error::Error for Usage {}

/// A [`Usage`] error after which the usage goes to stdout.
pub fn usage_text(text: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Usage {
        text: text.into(),
        usage_on_stdout: true,
    })
}

/// Build a [`Usage`] error from format arguments.
#[macro_export]
macro_rules! usage {
    ($($arg:tt)*) => {
        anyhow::Error::new($crate::exit::Usage { text: format!($($arg)*), usage_on_stdout: false })
    };
}

/// An error with a specific exit code. `message` is printed as is (it
/// already carries its `Error: ` prefix, or is empty when the module printed
/// its own diagnostics).
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

/// An error with exit `code` whose `message` is printed as is.
pub fn failure(code: u8, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        code,
        message: message.into(),
    })
}

/// A feature's final status as the one way codes travel: `Ok(())` for 0,
/// else a [`Failure`] with the code and no message (the feature has said
/// what happened already).
pub fn status(code: u8) -> anyhow::Result<()> {
    match code {
        OK => Ok(()),
        code => Err(failure(code, "")),
    }
}

/// Write one diagnostic line to stderr (errors writing it are ignored: there
/// is nowhere left to report them).
pub fn eprint_line(msg: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(msg);
    let _ = err.write_all(b"\n");
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Failure {}

/// An I/O error's reason as C's strerror words it ("No such file or
/// directory"), without Rust's " (os error 2)".
pub fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(at) => s[..at].to_string(),
        None => s,
    }
}

/// True when the error chain contains a broken pipe: a closed stdout is a
/// normal way for a reader such as `head -1` to say it has had enough.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Print `err` the way mosquitto would and return its exit code:
/// `usage_code` for a usage error, `other_code` for an error that carries no
/// code of its own.
pub fn report(program: &Program, err: &anyhow::Error, usage_code: u8, other_code: u8) -> u8 {
    if is_broken_pipe(err) {
        return OK;
    }
    let mut stderr = io::stderr().lock();
    if let Some(usage) = err.downcast_ref::<Usage>() {
        if !usage.usage_on_stdout {
            let _ = writeln!(
                stderr,
                "Error: {}\n\nUse '{} --help' to see usage.",
                usage.text, program.name
            );
        } else if !usage.text.is_empty() {
            let _ = writeln!(stderr, "Error: {}", usage.text);
        }
        return usage_code;
    }
    if let Some(failure) = err.downcast_ref::<Failure>() {
        if !failure.message.is_empty() {
            let _ = writeln!(stderr, "{}", failure.message);
        }
        return failure.code;
    }
    let _ = writeln!(stderr, "Error: {err:#}");
    other_code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_without_a_code_takes_the_binarys_code() {
        let program = Program {
            name: "mqtt-bench".into(),
        };
        // What a panicked client task or a failed write to stdout becomes.
        let err = anyhow::anyhow!("task 3 panicked");
        assert_eq!(
            report(&program, &err, bench::USAGE, bench::RUN_FAILED),
            bench::RUN_FAILED
        );
        assert_eq!(
            report(&program, &crate::usage!("bad"), bench::USAGE, bench::RUN_FAILED),
            bench::USAGE
        );
        assert_eq!(
            report(
                &program,
                &failure(bench::ASSERT_FAILED, ""),
                bench::USAGE,
                bench::RUN_FAILED
            ),
            1
        );
        let pipe = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(report(&program, &pipe, bench::USAGE, bench::RUN_FAILED), OK);
    }
}
