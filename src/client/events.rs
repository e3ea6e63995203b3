//! What happens on a connection ([`Event`]), and why one failed or ended
//! ([`ConnError`]), whatever the protocol version.

use std::io;

use super::codec::Ack;
use super::connect::LookupFailed;
use super::debug::PublishLine;
use super::failure::Label;
use crate::exit::{self, Exit};
use crate::mqtt::{Message, connack_v3, reason};

/// What happened on the connection, independent of the protocol version.
#[derive(Debug, Clone)]
pub enum Event {
    ConnAck {
        session_present: bool,
        assigned_id: Option<String>,
    },
    /// A PUBLISH was written; `pkid` 0 for QoS 0 (`line`: with `-d`).
    PublishSent {
        pkid: u16,
        line: Option<Box<PublishLine>>,
    },
    PubAck {
        pkid: u16,
        reason: u8,
        reason_string: Option<String>,
    },
    PubRec {
        pkid: u16,
        reason: u8,
        reason_string: Option<String>,
    },
    PubComp {
        pkid: u16,
        reason: u8,
    },
    PingReqSent,
    PingResp,
    DisconnectSent,
    /// The broker sent DISCONNECT (v5).
    DisconnectReceived {
        reason: u8,
        reason_string: Option<String>,
    },
    /// A message could not be encoded (nothing was sent for it).
    PublishFailed {
        why: String,
    },
    /// A PUBLISH from the broker.
    Message(Message),
    /// (Only with `-d`.) Per filter: (filter, QoS, options).
    SubscribeSent {
        pkid: u16,
        filters: Vec<(String, u8, u8)>,
    },
    /// Granted QoS (0–2) or a failure reason code (≥ 0x80), per filter.
    SubAck {
        pkid: u16,
        codes: Vec<u8>,
    },
    /// (Only with `-d`.)
    UnsubscribeSent {
        pkid: u16,
        topic: String,
    },
    UnsubAck {
        pkid: u16,
    },
    /// An acknowledgement of ours was queued (only with `-d`).
    AckSent {
        ack: Ack,
        pkid: u16,
    },
    PubRelReceived {
        pkid: u16,
    },
    /// Anything this toolkit does not act on yet.
    Other,
}

/// Why a connection failed or ended.
#[derive(Debug)]
pub enum ConnError {
    /// The broker answered CONNECT with a refusal code.
    Refused {
        code: u8,
        v5: bool,
    },
    Io(io::Error),
    Timeout,
    /// The broker closed the connection, or sent DISCONNECT.
    Closed(String),
    /// The TLS handshake or session failed: which check, in words.
    Tls(String),
    /// The broker sent a malformed or unexpected packet: talking to it
    /// again will not help.
    Protocol(String),
    /// Anything else.
    Other(String),
}

impl ConnError {
    /// True for errors worth retrying while the broker may still be starting.
    pub fn is_transient(&self) -> bool {
        matches!(self, ConnError::Io(_) | ConnError::Timeout | ConnError::Closed(_))
    }

    /// What a failure before the first CONNACK ends the run with, how its
    /// line is labelled, and its reason (mosquitto's wording).
    pub fn connect_failure(&self, target: &str) -> (Exit, Label, String) {
        match self {
            ConnError::Refused { code, v5 } => {
                let text = if *v5 { reason(*code) } else { connack_v3(*code) };
                (Exit::Refused(*code), Label::ConnectionError, text.to_string())
            }
            ConnError::Io(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                (Exit::Error, Label::Error, format!("Connection refused ({target})"))
            }
            ConnError::Io(e) if e.get_ref().is_some_and(|i| i.is::<LookupFailed>()) => (
                Exit::Error,
                Label::None,
                format!("Unable to connect (Lookup error.): cannot resolve {target}"),
            ),
            ConnError::Io(e) => (Exit::Error, Label::Error, format!("{} ({target})", exit::strerror(e))),
            ConnError::Timeout => (Exit::Error, Label::Error, format!("timed out connecting to {target}")),
            ConnError::Tls(why) => (
                Exit::Tls,
                Label::Error,
                format!("A TLS error occurred with {target}: {why}."),
            ),
            ConnError::Closed(m) | ConnError::Other(m) => {
                (Exit::Error, Label::None, format!("Unable to connect ({m}) to {target}"))
            }
            ConnError::Protocol(m) => (
                Exit::Error,
                Label::None,
                format!("Unable to connect: the broker sent {m} ({target})"),
            ),
        }
    }

    /// An error of our transport stack ([`super::transport`]): a failed TLS
    /// handshake, or a TLS alert on an open connection, is a TLS failure.
    pub(crate) fn from_io(e: io::Error) -> ConnError {
        let handshake = e.get_ref().and_then(|i| i.downcast_ref::<rumqttc_core::TlsError>());
        match (rustls_error(&e), handshake) {
            (Some(r), _) => ConnError::Tls(tls_failure(r)),
            (None, Some(rumqttc_core::TlsError::Io(io)))
                if matches!(io.kind(), io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset) =>
            {
                ConnError::Tls("the broker closed the connection during the handshake (is this a TLS port?)".into())
            }
            (None, Some(h)) => ConnError::Tls(h.to_string()),
            (None, None) => ConnError::Io(e),
        }
    }
}

impl std::fmt::Display for ConnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnError::Refused { code, v5: true } => {
                write!(f, "connection refused: {}", reason(*code))
            }
            ConnError::Refused { code, v5: false } => write!(f, "{}", connack_v3(*code)),
            ConnError::Io(e) => write!(f, "{e}"),
            ConnError::Timeout => f.write_str("network timeout"),
            ConnError::Closed(m) | ConnError::Other(m) => f.write_str(m),
            ConnError::Protocol(m) => write!(f, "the broker sent {m}"),
            ConnError::Tls(m) => write!(f, "TLS: {m}"),
        }
    }
}

impl std::error::Error for ConnError {}

/// The rustls error inside `e`, if any: an `io::Error` holds it as its
/// inner error (which `source()` skips), the library's error as its source.
fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    let mut at: &(dyn std::error::Error + 'static) = e.get_ref()?;
    loop {
        if let Some(r) = at.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        at = match at.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref()?,
            None => at.source()?,
        };
    }
}

/// Which TLS check failed, in words.
fn tls_failure(e: &rustls::Error) -> String {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E, InvalidMessage};
    match e {
        E::InvalidCertificate(C::UnknownIssuer) => {
            "the broker's certificate is not signed by a trusted CA (check --cafile/--capath)"
        }
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            "the broker's certificate is not valid for this host name (connect by a name it lists, or --insecure)"
        }
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => "the broker's certificate has expired",
        E::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
            "the broker's certificate is not valid yet"
        }
        E::AlertReceived(A::CertificateRequired | A::HandshakeFailure) => {
            "the broker requires a client certificate (--cert and --key)"
        }
        E::AlertReceived(A::BadCertificate | A::UnknownCA) => "the broker refused our client certificate",
        E::InvalidMessage(InvalidMessage::InvalidContentType) => {
            "the broker did not answer with TLS (is this a TLS port?)"
        }
        other => return other.to_string(),
    }
    .to_string()
}
