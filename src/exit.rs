//! What a run ended with ([`Exit`]), its number per binary ([`Codes`]), and
//! the one function that prints an error and gives its code ([`report`]).
//! The numbers follow mosquitto's clients so scripts keep working:
//!
//! | [`Exit`] | pub, sub, rr, passwd | mqtt-bench |
//! |---|---|---|
//! | `Ok` — success; a closed stdout pipe | 0 | 0 |
//! | `Usage` — a usage or configuration error | 1 | 2 |
//! | `Error` — input error, connect failure, any error without a code | 1 | 3 |
//! | `Refused(c)` — the broker refused CONNECT (1–5 / 128–162), or (pub) a publish: its v5 reason code | c | 3 |
//! | `ConnLost` — connection lost while work was outstanding | 7 | 3 |
//! | `Tls` — TLS error after connect | 8 | 3 |
//! | `Timeout` — `-W` | 27 | 3 |
//! | `Signal(n)` — (pub) interrupted, nothing left unconfirmed | 128 + n | 3 |
//! | `SignalBeforeConnect` — (sub, rr) a signal before the connection was up, as mosquitto_sub's `exit(-1)` | 255 | 3 |
//! | `PasswordsDiffer` — (passwd) the two passwords typed differ | 2 | 3 |
//! | `NotSupported` — (mosquitto_passwd) `-H argon2id`, which mosquitto 2.1.2's build cannot hash | 10 | 3 |
//! | `AssertFailed` — (bench) an assertion failed: a performance verdict | 1 | 1 |
//!
//! A code travels one way: a feature returns `Ok(())` for success, or an
//! error — a [`Usage`] error, a [`Failure`] carrying its [`Exit`] (and what
//! is still to be said: [`error`], [`warning`], [`said`]; [`status`] when
//! the feature has said it already), or any other error (`Exit::Error`) —
//! and [`report`] prints it and gives the number from the binary's table.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a run ended with, by meaning; [`Exit::code`] gives its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok,
    /// A usage or configuration error.
    Usage,
    /// An input or connect error, or any error that has no code of its own.
    Error,
    /// The connection was lost with work outstanding (libmosquitto's `MOSQ_ERR_CONN_LOST`).
    ConnLost,
    /// A TLS error after connecting (`MOSQ_ERR_TLS`).
    Tls,
    /// `-W` timed out (`MOSQ_ERR_TIMEOUT`).
    Timeout,
    /// Interrupted by this signal, with nothing left unconfirmed (mqtt-pub).
    Signal(i32),
    /// (sub, rr) SIGINT/SIGTERM before the connection was up.
    SignalBeforeConnect,
    /// The broker's refusal: a CONNACK's code, or a v5 PUBACK/PUBREC's reason code.
    Refused(u8),
    /// (passwd) The two passwords typed differ.
    PasswordsDiffer,
    /// (mosquitto_passwd) `-H argon2id`: `MOSQ_ERR_NOT_SUPPORTED`.
    NotSupported,
    /// (bench) An assertion failed.
    AssertFailed,
}

/// A binary's table of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codes {
    /// mosquitto's clients' (pub, sub, rr, passwd).
    Mosquitto,
    /// mqtt-bench's, what CI reads: 0 pass, 1 an assertion failed, 2 usage,
    /// 3 the run itself failed — never to be read as a regression.
    Bench,
}

impl Exit {
    /// The process exit code of `self` under `codes`.
    pub fn code(self, codes: Codes) -> u8 {
        match (codes, self) {
            (_, Exit::Ok) => 0,
            (_, Exit::AssertFailed) => 1,
            (Codes::Bench, Exit::Usage) => 2,
            (Codes::Bench, _) => 3,
            (Codes::Mosquitto, Exit::Usage | Exit::Error) => 1,
            (Codes::Mosquitto, Exit::ConnLost) => 7,
            (Codes::Mosquitto, Exit::Tls) => 8,
            (Codes::Mosquitto, Exit::Timeout) => 27,
            (Codes::Mosquitto, Exit::Signal(signo)) => u8::try_from(128 + signo).unwrap_or(255),
            (Codes::Mosquitto, Exit::SignalBeforeConnect) => 255,
            (Codes::Mosquitto, Exit::Refused(code)) => code,
            (Codes::Mosquitto, Exit::PasswordsDiffer) => 2,
            (Codes::Mosquitto, Exit::NotSupported) => 10,
        }
    }
}

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: from now on [`diag`] says nothing. Set once, at start-up.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// True once `--quiet` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Print a runtime diagnostic to stderr unless `--quiet` (mosquitto's `err_printf`).
pub fn diag(msg: fmt::Arguments<'_>) {
    if !quiet() {
        eprint_line(msg);
    }
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

/// What a [`Failure`] still has to say on stderr.
#[derive(Debug)]
pub enum Said {
    /// Nothing: the feature has said what happened.
    Nothing,
    /// `Error: <text>`.
    Error(String),
    /// `Warning: <text>` (mosquitto_passwd's unknown user).
    Warning(String),
    /// The text as it is: mosquitto's own lines (`Connection error: ...`).
    AsIs(String),
}

/// An error that ends the run with `exit`, after saying `said`.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub said: Said,
}

fn failure(exit: Exit, said: Said) -> anyhow::Error {
    anyhow::Error::new(Failure { exit, said })
}

/// `Error: <text>`, then exit with `exit`.
pub fn error(exit: Exit, text: impl Into<String>) -> anyhow::Error {
    failure(exit, Said::Error(text.into()))
}

/// `Warning: <text>`, then exit with `exit`.
pub fn warning(exit: Exit, text: impl Into<String>) -> anyhow::Error {
    failure(exit, Said::Warning(text.into()))
}

/// `text` as it is, then exit with `exit`.
pub fn said(exit: Exit, text: impl Into<String>) -> anyhow::Error {
    failure(exit, Said::AsIs(text.into()))
}

/// A feature's final status as the one way codes travel: `Ok(())` for
/// [`Exit::Ok`], else a [`Failure`] that says nothing more.
pub fn status(exit: Exit) -> anyhow::Result<()> {
    match exit {
        Exit::Ok => Ok(()),
        exit => Err(failure(exit, Said::Nothing)),
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
        match &self.said {
            Said::Nothing => write!(f, "{:?}", self.exit),
            Said::Error(text) | Said::Warning(text) | Said::AsIs(text) => f.write_str(text),
        }
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

/// Print `err` the way mosquitto would and return its exit code from `codes`.
pub fn report(program: &Program, err: &anyhow::Error, codes: Codes) -> u8 {
    if is_broken_pipe(err) {
        return Exit::Ok.code(codes);
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
        return Exit::Usage.code(codes);
    }
    if let Some(failure) = err.downcast_ref::<Failure>() {
        let _ = match &failure.said {
            Said::Nothing => Ok(()),
            Said::Error(text) => writeln!(stderr, "Error: {text}"),
            Said::Warning(text) => writeln!(stderr, "Warning: {text}"),
            Said::AsIs(text) => writeln!(stderr, "{text}"),
        };
        return failure.exit.code(codes);
    }
    let _ = writeln!(stderr, "Error: {err:#}");
    Exit::Error.code(codes)
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
        assert_eq!(report(&program, &err, Codes::Bench), 3);
        assert_eq!(report(&program, &err, Codes::Mosquitto), 1);
        assert_eq!(report(&program, &crate::usage!("bad"), Codes::Bench), 2);
        assert_eq!(
            report(&program, &status(Exit::AssertFailed).unwrap_err(), Codes::Bench),
            1
        );
        let pipe = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(report(&program, &pipe, Codes::Bench), 0);
    }

    #[test]
    fn each_meaning_has_mosquittos_number() {
        let m = |e: Exit| e.code(Codes::Mosquitto);
        assert_eq!(m(Exit::ConnLost), 7);
        assert_eq!(m(Exit::Tls), 8);
        assert_eq!(m(Exit::Timeout), 27);
        assert_eq!(m(Exit::Signal(2)), 130);
        assert_eq!(m(Exit::Signal(15)), 143);
        assert_eq!(m(Exit::SignalBeforeConnect), 255);
        assert_eq!(m(Exit::Refused(135)), 135);
        assert_eq!(m(Exit::PasswordsDiffer), 2);
        assert_eq!(m(Exit::NotSupported), 10);
        assert_eq!(Exit::Refused(5).code(Codes::Bench), 3);
    }
}
