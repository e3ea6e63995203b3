//! `mqtt-bench check`'s settings: the connection to probe, where the probes'
//! topics live, the largest payload to try, each probe's time limit, and the
//! `--assert` items that decide the exit code.

use std::time::Duration;

use super::Op;
use super::assertion::split_op;
use super::conn::ConnSettings;
use super::number::{parse_duration, parse_seconds, parse_size};
use crate::cli::CheckRun;
use crate::mqtt::{Protocol, validate_publish_topic};
use crate::usage;

/// Every item a check reports, by the name `--assert` and the JSON report
/// use, in groups (the report lists them in this order).
pub const GROUPS: &[(&str, &[&str])] = &[
    ("connect", CONNECT),
    ("connack (MQTT 5)", CONNACK),
    ("behaviour", BEHAVIOUR),
    ("latency sample (ms)", LATENCY),
];

pub const CONNECT: &[&str] = &[
    "mqtt31",
    "mqtt311",
    "mqtt5",
    "anonymous",
    "credentials",
    "zero_length_client_id",
    "assigned_client_identifier",
];

/// The MQTT 5 CONNACK's properties, verbatim.
pub const CONNACK: &[&str] = &[
    "server_keep_alive",
    "receive_maximum",
    "maximum_qos",
    "retain_available",
    "max_packet_size",
    "topic_alias_maximum",
    "wildcard_subscription_available",
    "subscription_identifiers_available",
    "shared_subscription_available",
    "session_expiry_interval",
    "server_reference",
];

pub const BEHAVIOUR: &[&str] = &[
    "qos0",
    "qos1",
    "qos2",
    "qos2_exactly_once",
    "retain",
    "wildcard_plus",
    "wildcard_hash",
    "dollar_topics",
    "shared_subscriptions",
    "persistent_session",
    "offline_qos1",
    "offline_qos2",
    "will",
    "will_delay",
    "message_expiry",
    "no_local",
    "retain_as_published",
    "retain_handling",
    "topic_alias",
    "subscription_identifiers",
    "properties_relayed",
    "qos1_order",
    "max_payload",
    "max_topic_length",
    "max_client_id_length",
    "sys_topics",
    "broker_version",
];

pub const LATENCY: &[&str] = &[
    "connect_p50_ms",
    "connect_p99_ms",
    "qos0_p50_ms",
    "qos0_p99_ms",
    "qos1_p50_ms",
    "qos1_p99_ms",
    "qos2_p50_ms",
    "qos2_p99_ms",
];

/// Every item, in report order.
pub fn items() -> impl Iterator<Item = &'static str> {
    GROUPS.iter().flat_map(|(_, names)| names.iter().copied())
}

/// An item's place in the report and its group; `None` for an unknown name.
pub fn item_place(name: &str) -> Option<(usize, &'static str)> {
    let at = items().position(|n| n == name)?;
    let group = GROUPS
        .iter()
        .find(|(_, names)| names.contains(&name))
        .map(|(g, _)| *g)?;
    Some((at, group))
}

/// The largest `--max-payload`: a packet's limit less room for the probe's
/// topic and the fixed header.
const MAX_PROBE_PAYLOAD: usize = crate::mqtt::MAX_PACKET_SIZE - 455;

/// One `--assert` of a check.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckAssertion {
    /// `NAME`: the item passed (or its value is true / non-zero).
    Holds(String),
    /// `!NAME`: it did not.
    Not(String),
    /// `NAME OP NUMBER` on the item's value.
    Compare { name: String, op: Op, value: f64 },
}

impl CheckAssertion {
    pub fn parse(text: &str) -> Result<CheckAssertion, String> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let known = |name: &str| -> Result<String, String> {
            if item_place(name).is_some() {
                Ok(name.to_string())
            } else {
                Err(format!(
                    "--assert '{text}': no check item '{name}' (items: {}).",
                    items().collect::<Vec<_>>().join(", ")
                ))
            }
        };
        if let Some((name, op, number)) = split_op(&t) {
            let value = parse_seconds(number)
                .or_else(|| parse_size(number).map(|v| v as f64))
                .ok_or_else(|| format!("--assert '{text}': '{number}' is not a number."))?;
            return Ok(CheckAssertion::Compare {
                name: known(name)?,
                op,
                value,
            });
        }
        match t.strip_prefix('!') {
            Some(name) => Ok(CheckAssertion::Not(known(name)?)),
            None => Ok(CheckAssertion::Holds(known(&t)?)),
        }
    }

    /// The item the assertion is about.
    pub fn item(&self) -> &str {
        match self {
            CheckAssertion::Holds(n) | CheckAssertion::Not(n) => n,
            CheckAssertion::Compare { name, .. } => name,
        }
    }
}

impl std::fmt::Display for CheckAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckAssertion::Holds(n) => write!(f, "{n}"),
            CheckAssertion::Not(n) => write!(f, "!{n}"),
            CheckAssertion::Compare { name, op, value } => write!(f, "{name}{}{value}", op.text()),
        }
    }
}

/// Validated settings of one check.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    /// The connection as given (broker, TLS, WebSocket, proxy, credentials);
    /// each probe makes its own from it.
    pub conn: ConnSettings,
    /// `-V`: the version the behaviour probes speak. Without it, the newest
    /// the broker accepts.
    pub protocol: Option<Protocol>,
    pub prefix: String,
    pub max_payload: usize,
    pub probe_timeout: Duration,
    pub json: Option<String>,
    pub asserts: Vec<CheckAssertion>,
}

impl CheckSettings {
    pub fn from_args(a: &CheckRun) -> anyhow::Result<CheckSettings> {
        let c = &a.conn;
        if c.id.is_some() || c.id_prefix.is_some() {
            return Err(usage!("mqtt-bench check picks its own client ids; drop -i/-I."));
        }
        if c.will.will_topic.is_some() {
            return Err(usage!("mqtt-bench check sends its own wills; drop --will-topic."));
        }
        let (conn, url_topic) = ConnSettings::from_args(c, Protocol::V5, false, "")?;
        let conn = conn?;
        if url_topic.is_some_and(|t| !t.is_empty()) {
            return Err(usage!(
                "mqtt-bench check takes its topics from --topic-prefix, not from the URL path."
            ));
        }
        let protocol = c.protocol_version.is_some().then_some(conn.protocol);
        let prefix = match &a.topic_prefix {
            Some(p) => {
                let p = p.trim_end_matches('/').to_string();
                if p.is_empty() {
                    return Err(usage!("--topic-prefix must not be empty."));
                }
                validate_publish_topic(&p, "--topic-prefix").map_err(|e| usage!("{e}"))?;
                if p.starts_with('$') {
                    return Err(usage!("--topic-prefix must not start with '$'."));
                }
                p
            }
            None => format!("mqtt-bench/check/{:08x}", fastrand::u32(..)),
        };
        let max_payload = parse_size(&a.max_payload)
            .filter(|n| (1024..=MAX_PROBE_PAYLOAD).contains(n))
            .ok_or_else(|| {
                usage!(
                    "--max-payload must be a size from 1KiB to 256MiB such as 16MiB or 65536, not '{}'.",
                    a.max_payload
                )
            })?;
        let probe_timeout = parse_duration(&a.probe_timeout)
            .filter(|d| *d >= Duration::from_millis(100))
            .ok_or_else(|| {
                usage!(
                    "--probe-timeout must be a duration of at least 100ms such as 5s, not '{}'.",
                    a.probe_timeout
                )
            })?;
        let asserts = a
            .assert
            .iter()
            .map(|e| CheckAssertion::parse(e).map_err(|e| usage!("{e}")))
            .collect::<anyhow::Result<_>>()?;
        if let Some(p) = a.json.as_deref().filter(|p| *p != "-") {
            let dir = std::path::Path::new(p).parent().filter(|d| !d.as_os_str().is_empty());
            if dir.is_some_and(|d| !d.is_dir()) {
                return Err(usage!("--json {p}: the directory does not exist."));
            }
        }
        Ok(CheckSettings {
            conn,
            protocol,
            prefix,
            max_payload,
            probe_timeout,
            json: a.json.clone(),
            asserts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assertions_name_items_and_compare_values() {
        assert_eq!(
            CheckAssertion::parse("qos2_exactly_once"),
            Ok(CheckAssertion::Holds("qos2_exactly_once".into()))
        );
        assert_eq!(
            CheckAssertion::parse("!retain"),
            Ok(CheckAssertion::Not("retain".into()))
        );
        assert_eq!(
            CheckAssertion::parse("max_packet_size >= 1048576"),
            Ok(CheckAssertion::Compare {
                name: "max_packet_size".into(),
                op: Op::Ge,
                value: 1_048_576.0
            })
        );
        assert_eq!(
            CheckAssertion::parse("max_payload>=1MiB").map(|a| a.to_string()),
            Ok("max_payload>=1048576".into())
        );
        assert!(
            CheckAssertion::parse("retained")
                .unwrap_err()
                .contains("no check item 'retained'")
        );
        assert!(
            CheckAssertion::parse("qos1_p99_ms<=fast")
                .unwrap_err()
                .contains("not a number")
        );
    }
}
