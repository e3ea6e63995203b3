//! Why connecting failed, in mosquitto's words and exit codes; the TLS
//! configuration a program's connections share; `--connect-retry`'s
//! schedule.

use std::time::Duration;

use tokio::time::Instant;

use super::backoff::{Backoff, Spread};
use super::events::ConnError;
use super::transport::Tls;
use crate::mqtt::Protocol;
use crate::settings::ConnSettings;

/// What a failed MQTT 5 connect adds when the broker may speak only 3.1.1.
const V5_HINT: &str = "the broker may not speak MQTT 5; try -V 311.";

/// Why connecting failed: the exit code and message (mosquitto's wording).
#[derive(Debug)]
pub struct ConnectFailure {
    pub code: u8,
    pub message: String,
    /// The broker refused the protocol version or hung up on the CONNECT:
    /// perhaps it does not speak the version asked for.
    pub old_protocol: bool,
    /// The CONNACK's refusal code, when the broker answered with one.
    pub refused: Option<u8>,
    /// The message ends with [`V5_HINT`].
    v5_hint: bool,
}

impl ConnectFailure {
    /// Connecting to `target` ended with `err` (after `--connect-retry`, if given).
    pub(crate) fn new(err: &ConnError, target: &str, protocol: Protocol, retry: Option<Duration>) -> ConnectFailure {
        let (code, mut msg) = err.connect_failure(target);
        if let (Some(d), true) = (retry, err.is_transient()) {
            msg.push_str(&format!(" (still failing after --connect-retry {d:?})"));
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
        if v5_hint {
            msg.push_str(&format!("\nError: {V5_HINT}"));
        }
        ConnectFailure {
            code,
            message: msg,
            old_protocol,
            refused: match err {
                ConnError::Refused { code, .. } => Some(*code),
                _ => None,
            },
            v5_hint,
        }
    }

    /// The message on one line (for a report): its first line, with the
    /// MQTT 5 hint when the message carries it.
    pub fn one_line(&self) -> String {
        let first = self.message.lines().next().unwrap_or_default();
        if self.v5_hint {
            format!("{first} ({V5_HINT})")
        } else {
            first.to_string()
        }
    }

    /// A problem with the options themselves (exit 1), before any connection.
    pub(crate) fn setup(message: String) -> ConnectFailure {
        ConnectFailure {
            code: crate::exit::ERROR,
            message,
            old_protocol: false,
            refused: None,
            v5_hint: false,
        }
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
        .map_err(|e| ConnectFailure::setup(format!("Error: Problem setting TLS options: {e:#}.")))?
        .map(std::sync::Arc::new);
    if s.tls.as_ref().is_some_and(|t| t.insecure && t.warn_insecure) && !s.quiet {
        crate::exit::eprint_line(format_args!(
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
