//! Why connecting failed, in mosquitto's words and exit codes; the TLS
//! configuration a program's connections share; `--connect-retry`'s
//! schedule.

use std::time::Duration;

use tokio::time::Instant;

use super::backoff::{Backoff, Spread};
use super::events::ConnError;
use super::transport::Tls;
use crate::exit::Exit;
use crate::mqtt::Protocol;
use crate::settings::ConnSettings;

/// What a failed MQTT 5 connect adds when the broker may speak only 3.1.1.
const V5_HINT: &str = "the broker may not speak MQTT 5; try -V 311.";

/// How the first line of a [`ConnectFailure`] is labelled on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// `Error: ...`
    Error,
    /// `Connection error: ...` (a refused CONNECT, as mosquitto words it).
    ConnectionError,
    /// The reason says it all (`Unable to connect (...)`).
    None,
}

/// Why connecting failed: what the run ends with, and the reason in
/// mosquitto's words.
#[derive(Debug)]
pub struct ConnectFailure {
    pub exit: Exit,
    /// What went wrong, on one line and without its label:
    /// `Connection refused (127.0.0.1:1)`.
    pub reason: String,
    label: Label,
    /// The broker refused the protocol version or hung up on the CONNECT:
    /// perhaps it does not speak the version asked for.
    pub old_protocol: bool,
    /// The CONNACK's refusal code, when the broker answered with one.
    pub refused: Option<u8>,
    /// MQTT 3.1.1's refusal codes 1–5: mosquitto adds "The connection was refused."
    refused_line: bool,
    /// Add [`V5_HINT`].
    v5_hint: bool,
}

impl ConnectFailure {
    /// Connecting to `target` ended with `err` (after `--connect-retry`, if given).
    pub(crate) fn new(err: &ConnError, target: &str, protocol: Protocol, retry: Option<Duration>) -> ConnectFailure {
        let (exit, label, mut reason) = err.connect_failure(target);
        if let (Some(d), true) = (retry, err.is_transient()) {
            reason.push_str(&format!(" (still failing after --connect-retry {d:?})"));
        }
        let old_protocol = matches!(
            err,
            ConnError::Refused { code: 1 | 132, .. }
                | ConnError::Closed(_)
                | ConnError::Other(_)
                | ConnError::Protocol(_)
        );
        // A 3.1.1-only broker answers an MQTT 5 CONNECT with a 3.1.1 refusal
        // and closes (aedes), or never answers (amqtt).
        let v5_hint = protocol == Protocol::V5 && (old_protocol || matches!(err, ConnError::Timeout));
        let refused = match err {
            ConnError::Refused { code, .. } => Some(*code),
            _ => None,
        };
        ConnectFailure {
            exit,
            reason,
            label,
            old_protocol,
            refused,
            refused_line: matches!(err, ConnError::Refused { code: 1..=5, v5: false }),
            v5_hint,
        }
    }

    /// The first line: the reason with its label.
    fn headline(&self) -> String {
        match self.label {
            Label::Error => format!("Error: {}", self.reason),
            Label::ConnectionError => format!("Connection error: {}", self.reason),
            Label::None => self.reason.clone(),
        }
    }

    /// What stderr shows, in mosquitto's words (one or more lines).
    pub fn text(&self) -> String {
        let mut text = self.headline();
        if self.refused_line {
            text.push_str("\nError: The connection was refused.");
        }
        if self.v5_hint {
            text.push_str(&format!("\nError: {V5_HINT}"));
        }
        text
    }

    /// The first line, with the MQTT 5 hint when there is one (for
    /// mqtt-bench's report).
    pub fn one_line(&self) -> String {
        match self.v5_hint {
            true => format!("{} ({V5_HINT})", self.headline()),
            false => self.headline(),
        }
    }

    /// The first line without an `Error: ` label (a check's finding).
    pub fn brief(&self) -> String {
        match self.label {
            Label::Error => self.reason.clone(),
            Label::ConnectionError | Label::None => self.headline(),
        }
    }

    /// A problem with the options themselves, before any connection: a
    /// configuration error.
    pub(crate) fn setup(reason: String) -> ConnectFailure {
        ConnectFailure {
            exit: Exit::Usage,
            reason,
            label: Label::Error,
            old_protocol: false,
            refused: None,
            refused_line: false,
            v5_hint: false,
        }
    }

    /// The error that ends a program with this failure, after printing it.
    pub fn into_error(self) -> anyhow::Error {
        crate::exit::said(self.exit, self.text())
    }
}

/// The TLS configuration of `s`, built (certificates read) once per call;
/// warns once about `--insecure`.
pub(crate) fn tls_config(s: &ConnSettings) -> Result<Option<Tls>, ConnectFailure> {
    let tls = s
        .tls
        .as_ref()
        .map(super::tls::config)
        .transpose()
        .map_err(|e| ConnectFailure::setup(format!("Problem setting TLS options: {e:#}.")))?
        .map(std::sync::Arc::new);
    if s.tls.as_ref().is_some_and(|t| t.insecure && t.warn_insecure) {
        crate::exit::diag(format_args!(
            "Warning: --insecure: the broker's certificate and host name are not verified."
        ));
    }
    Ok(tls)
}

/// `--connect-retry`'s schedule: pauses of 50 ms doubling to 2 s, until the
/// retry duration has passed since the first failure.
pub struct Retry {
    deadline: Instant,
    backoff: Backoff,
}

impl Retry {
    pub fn new(limit: Duration) -> Retry {
        let ms = Duration::from_millis;
        Retry {
            deadline: Instant::now() + limit,
            backoff: Backoff::new(ms(50), ms(2000), Spread::None, fastrand::Rng::new()),
        }
    }

    /// Pause before the next attempt; false (at once) when the time is up.
    pub async fn pause(&mut self) -> bool {
        let now = Instant::now();
        if now >= self.deadline {
            return false;
        }
        tokio::time::sleep(self.backoff.next_pause().min(self.deadline - now)).await;
        true
    }
}
