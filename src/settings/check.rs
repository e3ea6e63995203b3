//! `mqtt-bench check`'s settings: the connection to probe, where the probes'
//! topics live, the largest payload to try, each probe's time limit, and the
//! `--assert` items that decide the exit code.

use std::time::Duration;

use super::Op;
use super::assertion::split_op;
use super::conn::ConnSettings;
use super::number::{parse_decimal, parse_duration, parse_size};
use crate::cli::CheckRun;
use crate::mqtt::{Protocol, validate_publish_topic};
use crate::usage;

/// A group of items; the report lists them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Connect,
    /// The MQTT 5 CONNACK's properties, verbatim.
    Connack,
    Behaviour,
    Latency,
}

impl Group {
    /// The group's heading in the table and its name in the JSON report.
    pub fn title(self) -> &'static str {
        match self {
            Group::Connect => "connect",
            Group::Connack => "connack (MQTT 5)",
            Group::Behaviour => "behaviour",
            Group::Latency => "latency sample (ms)",
        }
    }
}

impl serde::Serialize for Group {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.title())
    }
}

/// What the registry knows of an item.
#[derive(Debug, Clone, Copy)]
pub struct ItemSpec {
    pub item: CheckItem,
    /// The name `--assert`, the table and the JSON report use.
    pub name: &'static str,
    pub group: Group,
    /// Only MQTT 5 has the feature.
    pub needs_v5: bool,
}

/// The registry of check items: one line each, `Variant "name"` (and `v5`
/// when only MQTT 5 has it), in report order, by group. The enum, its names
/// and groups all come from here; which probe finds each item is the
/// check's own table (`check::plan`).
macro_rules! check_items {
    ($($group:ident { $($item:ident $name:literal $($v5:ident)?,)* })*) => {
        /// An item a check reports, in report order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckItem { $($($item,)*)* }

        /// Every item, in report order (`ITEMS[item as usize]` is its spec).
        pub const ITEMS: &[ItemSpec] = &[$($(ItemSpec {
            item: CheckItem::$item,
            name: $name,
            group: Group::$group,
            needs_v5: check_items!(@v5 $($v5)?),
        },)*)*];
    };
    (@v5) => { false };
    (@v5 v5) => { true };
}

check_items! {
    Connect {
        Mqtt31 "mqtt31",
        Mqtt311 "mqtt311",
        Mqtt5 "mqtt5",
        Anonymous "anonymous",
        Credentials "credentials",
        ZeroLengthClientId "zero_length_client_id",
        AssignedClientIdentifier "assigned_client_identifier",
    }
    Connack {
        ServerKeepAlive "server_keep_alive",
        ReceiveMaximum "receive_maximum",
        MaximumQos "maximum_qos",
        RetainAvailable "retain_available",
        MaxPacketSize "max_packet_size",
        TopicAliasMaximum "topic_alias_maximum",
        WildcardSubscriptionAvailable "wildcard_subscription_available",
        SubscriptionIdentifiersAvailable "subscription_identifiers_available",
        SharedSubscriptionAvailable "shared_subscription_available",
        SessionExpiryInterval "session_expiry_interval",
        ServerReference "server_reference",
    }
    Behaviour {
        Qos0 "qos0",
        Qos1 "qos1",
        Qos2 "qos2",
        Qos2ExactlyOnce "qos2_exactly_once",
        Retain "retain",
        WildcardPlus "wildcard_plus",
        WildcardHash "wildcard_hash",
        DollarTopics "dollar_topics",
        SharedSubscriptions "shared_subscriptions",
        PersistentSession "persistent_session",
        OfflineQos1 "offline_qos1",
        OfflineQos2 "offline_qos2",
        Will "will",
        WillDelay "will_delay" v5,
        MessageExpiry "message_expiry",
        NoLocal "no_local" v5,
        RetainAsPublished "retain_as_published" v5,
        RetainHandling "retain_handling" v5,
        TopicAlias "topic_alias" v5,
        SubscriptionIdentifiers "subscription_identifiers" v5,
        PropertiesRelayed "properties_relayed" v5,
        Qos1Order "qos1_order",
        MaxPayload "max_payload",
        MaxTopicLength "max_topic_length",
        MaxClientIdLength "max_client_id_length",
        SysTopics "sys_topics",
        BrokerVersion "broker_version",
    }
    Latency {
        ConnectP50Ms "connect_p50_ms",
        ConnectP99Ms "connect_p99_ms",
        Qos0P50Ms "qos0_p50_ms",
        Qos0P99Ms "qos0_p99_ms",
        Qos1P50Ms "qos1_p50_ms",
        Qos1P99Ms "qos1_p99_ms",
        Qos2P50Ms "qos2_p50_ms",
        Qos2P99Ms "qos2_p99_ms",
    }
}

impl CheckItem {
    pub fn spec(self) -> &'static ItemSpec {
        &ITEMS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn group(self) -> Group {
        self.spec().group
    }

    pub fn needs_v5(self) -> bool {
        self.spec().needs_v5
    }

    pub fn from_name(name: &str) -> Option<CheckItem> {
        ITEMS.iter().find(|s| s.name == name).map(|s| s.item)
    }

    /// The items of `group`, in report order.
    pub fn of(group: Group) -> impl Iterator<Item = CheckItem> {
        ITEMS.iter().filter(move |s| s.group == group).map(|s| s.item)
    }
}

impl std::fmt::Display for CheckItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for CheckItem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The largest `--max-payload`: a packet's limit less room for the probe's
/// topic and the fixed header.
const MAX_PROBE_PAYLOAD: usize = crate::mqtt::MAX_PACKET_SIZE - 455;

/// One `--assert` of a check.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckAssertion {
    /// `NAME`: the item passed (or its value is true / non-zero).
    Holds(CheckItem),
    /// `!NAME`: it did not.
    Not(CheckItem),
    /// `NAME OP NUMBER` on the item's value.
    Compare { item: CheckItem, op: Op, value: f64 },
}

impl CheckAssertion {
    pub fn parse(text: &str) -> Result<CheckAssertion, String> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let known = |name: &str| {
            CheckItem::from_name(name).ok_or_else(|| {
                let names: Vec<&str> = ITEMS.iter().map(|s| s.name).collect();
                format!(
                    "--assert '{text}': no check item '{name}' (items: {}).",
                    names.join(", ")
                )
            })
        };
        if let Some((name, op, number)) = split_op(&t) {
            let value = parse_decimal(number)
                .or_else(|| parse_size(number).map(|v| v as f64))
                .ok_or_else(|| format!("--assert '{text}': '{number}' is not a number."))?;
            return Ok(CheckAssertion::Compare {
                item: known(name)?,
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
    pub fn item(&self) -> CheckItem {
        match self {
            CheckAssertion::Holds(i) | CheckAssertion::Not(i) => *i,
            CheckAssertion::Compare { item, .. } => *item,
        }
    }
}

impl std::fmt::Display for CheckAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckAssertion::Holds(n) => write!(f, "{n}"),
            CheckAssertion::Not(n) => write!(f, "!{n}"),
            CheckAssertion::Compare { item, op, value } => write!(f, "{item}{}{value}", op.text()),
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
    fn the_registry_is_in_report_order_with_unique_names() {
        for (at, spec) in ITEMS.iter().enumerate() {
            assert_eq!(spec.item as usize, at, "{}", spec.name);
            assert_eq!(CheckItem::from_name(spec.name), Some(spec.item));
        }
        assert!(ITEMS.windows(2).all(|w| w[0].group <= w[1].group));
        let readme = include_str!("../../README.md");
        for spec in ITEMS {
            assert!(
                readme.contains(spec.name),
                "README.md does not name the item {}",
                spec.name
            );
        }
    }

    #[test]
    fn assertions_name_items_and_compare_values() {
        assert_eq!(
            CheckAssertion::parse("qos2_exactly_once"),
            Ok(CheckAssertion::Holds(CheckItem::Qos2ExactlyOnce))
        );
        assert_eq!(
            CheckAssertion::parse("!retain"),
            Ok(CheckAssertion::Not(CheckItem::Retain))
        );
        assert_eq!(
            CheckAssertion::parse("max_packet_size >= 1048576"),
            Ok(CheckAssertion::Compare {
                item: CheckItem::MaxPacketSize,
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
