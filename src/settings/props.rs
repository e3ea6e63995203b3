//! MQTT v5 properties given with `-D COMMAND NAME VALUE` (mosquitto's
//! `cfg_parse_property`): names are case-insensitive, values are type- and
//! range-checked, duplicates (other than user-property) are refused.

use crate::mqtt::{ConnectProps, DisconnectProps, PublishProps, SubscribeProps, WillProps};
use crate::usage;

/// Properties for each packet this client sends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Props {
    pub connect: ConnectProps,
    pub publish: PublishProps,
    pub will: WillProps,
    pub disconnect: DisconnectProps,
    pub subscribe: SubscribeProps,
    pub unsubscribe: Vec<(String, String)>,
    /// The `-D publish` property names in command-line order, one entry per
    /// occurrence (so every user-property has its own): mosquitto writes
    /// PUBLISH properties in this order.
    pub publish_order: Vec<&'static str>,
}

#[derive(Clone, Copy)]
enum ValueType {
    Byte,
    U16,
    U32,
    VarInt,
    Str,
    Bin,
    Pair,
}

/// (name, type, packets the MQTT 5 spec allows it in).
const TABLE: &[(&str, ValueType, &[&str])] = &[
    ("payload-format-indicator", ValueType::Byte, &["publish", "will"]),
    ("message-expiry-interval", ValueType::U32, &["publish", "will"]),
    ("content-type", ValueType::Str, &["publish", "will"]),
    ("response-topic", ValueType::Str, &["publish", "will"]),
    ("correlation-data", ValueType::Bin, &["publish", "will"]),
    ("subscription-identifier", ValueType::VarInt, &["publish", "subscribe"]),
    (
        "session-expiry-interval",
        ValueType::U32,
        &["connect", "connack", "disconnect"],
    ),
    ("assigned-client-identifier", ValueType::Str, &["connack"]),
    ("server-keep-alive", ValueType::U16, &["connack"]),
    ("authentication-method", ValueType::Str, &["connect", "connack", "auth"]),
    ("authentication-data", ValueType::Bin, &["connect", "connack", "auth"]),
    ("request-problem-information", ValueType::Byte, &["connect"]),
    ("will-delay-interval", ValueType::U32, &["will"]),
    ("request-response-information", ValueType::Byte, &["connect"]),
    ("response-information", ValueType::Str, &["connack"]),
    ("server-reference", ValueType::Str, &["connack", "disconnect"]),
    (
        "reason-string",
        ValueType::Str,
        &[
            "connack",
            "puback",
            "pubrec",
            "pubrel",
            "pubcomp",
            "suback",
            "unsuback",
            "disconnect",
            "auth",
        ],
    ),
    ("receive-maximum", ValueType::U16, &["connect", "connack"]),
    ("topic-alias-maximum", ValueType::U16, &["connect", "connack"]),
    ("topic-alias", ValueType::U16, &["publish"]),
    ("maximum-qos", ValueType::Byte, &["connack"]),
    ("retain-available", ValueType::Byte, &["connack"]),
    (
        "user-property",
        ValueType::Pair,
        &[
            "connect",
            "connack",
            "publish",
            "will",
            "puback",
            "pubrec",
            "pubrel",
            "pubcomp",
            "subscribe",
            "suback",
            "unsubscribe",
            "unsuback",
            "disconnect",
            "auth",
        ],
    ),
    ("maximum-packet-size", ValueType::U32, &["connect", "connack"]),
    ("wildcard-subscription-available", ValueType::Byte, &["connack"]),
    ("subscription-identifier-available", ValueType::Byte, &["connack"]),
    ("shared-subscription-available", ValueType::Byte, &["connack"]),
];

const COMMANDS: &[&str] = &[
    "connect",
    "connack",
    "publish",
    "puback",
    "pubrec",
    "pubrel",
    "pubcomp",
    "subscribe",
    "suback",
    "unsubscribe",
    "unsuback",
    "disconnect",
    "auth",
    "will",
];

enum Value {
    Int(u32),
    Str(String),
    Bin(Vec<u8>),
    Pair(String, String),
}

impl Props {
    /// Parse the values of every `-D`, in order: COMMAND NAME VALUE, or
    /// COMMAND user-property KEY VALUE.
    pub fn parse(values: &[String]) -> anyhow::Result<Props> {
        let mut props = Props::default();
        let mut rest = values;
        while !rest.is_empty() {
            let len = match rest.get(1) {
                Some(name) if name.eq_ignore_ascii_case("user-property") => 4,
                _ => 3,
            };
            let (occ, tail) = rest.split_at(len.min(rest.len()));
            props.add(occ)?;
            rest = tail;
        }
        if props.connect.receive_maximum == Some(0) || props.connect.maximum_packet_size == Some(0) {
            return Err(usage!(
                "Error in CONNECT properties: receive-maximum and maximum-packet-size must be greater than 0."
            ));
        }
        Ok(props)
    }

    pub fn is_empty(&self) -> bool {
        *self == Props::default()
    }

    fn add(&mut self, occ: &[String]) -> anyhow::Result<()> {
        let not_enough = || usage!("--property argument given but not enough arguments specified.\n");
        let (cmd, name) = match occ {
            [cmd, name, ..] => (cmd.to_ascii_lowercase(), name.to_ascii_lowercase()),
            _ => return Err(not_enough()),
        };
        let Some(cmd) = COMMANDS.iter().find(|c| **c == cmd) else {
            return Err(usage!("Invalid command {} given in --property argument.\n", occ[0]));
        };
        let Some((name, kind, allowed)) = TABLE.iter().find(|(n, _, _)| *n == name) else {
            return Err(usage!(
                "Invalid property name {} given in --property argument.\n",
                occ[1]
            ));
        };
        if !allowed.contains(cmd) {
            return Err(usage!(
                "{name} property not allowed for {cmd} in --property argument.\n"
            ));
        }
        let value = match (kind, &occ[2..]) {
            (ValueType::Pair, [k, v]) => Value::Pair(k.clone(), v.clone()),
            (ValueType::Pair, _) => return Err(not_enough()),
            (_, [v]) => parse_value(*kind, name, v)?,
            (_, [_, extra]) => return Err(usage!("Unknown option '{extra}'.")),
            _ => return Err(not_enough()),
        };
        self.set(cmd, name, value)?;
        if *cmd == "publish" {
            self.publish_order.push(name);
        }
        Ok(())
    }

    fn set(&mut self, cmd: &str, name: &str, value: Value) -> anyhow::Result<()> {
        let known = match (cmd, value) {
            (_, Value::Pair(k, v)) => match self.user_properties(cmd) {
                Some(list) => {
                    list.push((k, v));
                    true
                }
                None => false,
            },
            ("connect", v) => set_connect(&mut self.connect, name, v)?,
            ("publish", v) => set_publish(&mut self.publish, name, v)?,
            ("will", v) => set_will(&mut self.will, name, v)?,
            ("disconnect", v) => set_disconnect(&mut self.disconnect, name, v)?,
            ("subscribe", Value::Int(n)) if name == "subscription-identifier" => {
                put(&mut self.subscribe.subscription_identifier, n, "SUBSCRIBE")?;
                true
            }
            _ => false,
        };
        if !known {
            return Err(usage!(
                "{name} property not supported for {cmd} in --property argument.\n"
            ));
        }
        Ok(())
    }

    /// The user-property list of a packet that may carry one.
    fn user_properties(&mut self, cmd: &str) -> Option<&mut Vec<(String, String)>> {
        Some(match cmd {
            "connect" => &mut self.connect.user_properties,
            "publish" => &mut self.publish.user_properties,
            "will" => &mut self.will.user_properties,
            "disconnect" => &mut self.disconnect.user_properties,
            "subscribe" => &mut self.subscribe.user_properties,
            "unsubscribe" => &mut self.unsubscribe,
            _ => return None,
        })
    }
}

/// Set `slot` once; a second value is mosquitto's duplicate error.
fn put<T>(slot: &mut Option<T>, value: T, packet: &str) -> anyhow::Result<()> {
    if slot.is_some() {
        return Err(usage!(
            "Error in {packet} properties: Duplicate property in property list"
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// True when `name` is a CONNECT property of this type.
fn set_connect(c: &mut ConnectProps, name: &str, v: Value) -> anyhow::Result<bool> {
    const P: &str = "CONNECT";
    match (name, v) {
        ("session-expiry-interval", Value::Int(n)) => put(&mut c.session_expiry_interval, n, P)?,
        ("receive-maximum", Value::Int(n)) => put(&mut c.receive_maximum, n as u16, P)?,
        ("maximum-packet-size", Value::Int(n)) => put(&mut c.maximum_packet_size, n, P)?,
        ("topic-alias-maximum", Value::Int(n)) => put(&mut c.topic_alias_maximum, n as u16, P)?,
        ("request-problem-information", Value::Int(n)) => put(&mut c.request_problem_information, n as u8, P)?,
        ("request-response-information", Value::Int(n)) => put(&mut c.request_response_information, n as u8, P)?,
        ("authentication-method", Value::Str(s)) => put(&mut c.authentication_method, s, P)?,
        ("authentication-data", Value::Bin(b)) => put(&mut c.authentication_data, b, P)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// True when `name` is a PUBLISH property of this type.
fn set_publish(p: &mut PublishProps, name: &str, v: Value) -> anyhow::Result<bool> {
    const P: &str = "PUBLISH";
    match (name, v) {
        ("payload-format-indicator", Value::Int(n)) => put(&mut p.payload_format_indicator, n as u8, P)?,
        ("message-expiry-interval", Value::Int(n)) => put(&mut p.message_expiry_interval, n, P)?,
        ("topic-alias", Value::Int(n)) => put(&mut p.topic_alias, n as u16, P)?,
        ("response-topic", Value::Str(s)) => put(&mut p.response_topic, s, P)?,
        ("correlation-data", Value::Bin(b)) => put(&mut p.correlation_data, b.into(), P)?,
        ("content-type", Value::Str(s)) => put(&mut p.content_type, s, P)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// True when `name` is a will property of this type.
fn set_will(w: &mut WillProps, name: &str, v: Value) -> anyhow::Result<bool> {
    const P: &str = "WILL";
    match (name, v) {
        ("will-delay-interval", Value::Int(n)) => put(&mut w.will_delay_interval, n, P)?,
        ("payload-format-indicator", Value::Int(n)) => put(&mut w.payload_format_indicator, n as u8, P)?,
        ("message-expiry-interval", Value::Int(n)) => put(&mut w.message_expiry_interval, n, P)?,
        ("response-topic", Value::Str(s)) => put(&mut w.response_topic, s, P)?,
        ("correlation-data", Value::Bin(b)) => put(&mut w.correlation_data, b, P)?,
        ("content-type", Value::Str(s)) => put(&mut w.content_type, s, P)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// True when `name` is a DISCONNECT property of this type.
fn set_disconnect(d: &mut DisconnectProps, name: &str, v: Value) -> anyhow::Result<bool> {
    const P: &str = "DISCONNECT";
    match (name, v) {
        ("session-expiry-interval", Value::Int(n)) => put(&mut d.session_expiry_interval, n, P)?,
        ("reason-string", Value::Str(s)) => put(&mut d.reason_string, s, P)?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn parse_value(kind: ValueType, name: &str, text: &str) -> anyhow::Result<Value> {
    let max: u64 = match kind {
        ValueType::Byte => 255,
        ValueType::U16 => 65535,
        ValueType::U32 => u32::MAX as u64,
        ValueType::VarInt => crate::mqtt::MAX_PACKET_SIZE as u64,
        ValueType::Str => return Ok(Value::Str(text.to_string())),
        ValueType::Bin => {
            if text.len() > 65535 {
                return Err(usage!("Property value for {name} is longer than 65535 bytes.\n"));
            }
            return Ok(Value::Bin(text.as_bytes().to_vec()));
        }
        ValueType::Pair => unreachable!("pairs take two values"),
    };
    let n: i64 = super::number::parse_int(text)
        .ok_or_else(|| usage!("Property value ({text}) is not a number for property {name}.\n"))?;
    if n < 0 || n as u64 > max {
        return Err(usage!("Property value ({n}) out of range for property {name}.\n"));
    }
    Ok(Value::Int(n as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occ(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn parse_all(occs: &[Vec<String>]) -> anyhow::Result<Props> {
        Props::parse(&occs.concat())
    }

    #[test]
    fn typed_and_case_insensitive() {
        let p = parse_all(&[
            occ(&["PUBLISH", "Content-Type", "text/plain"]),
            occ(&["publish", "message-expiry-interval", "3600"]),
            occ(&["publish", "user-property", "k", "v"]),
            occ(&["publish", "user-property", "k", "v2"]),
            occ(&["connect", "receive-maximum", "10"]),
            occ(&["will", "will-delay-interval", "5"]),
        ])
        .unwrap();
        assert_eq!(p.publish.content_type.as_deref(), Some("text/plain"));
        assert_eq!(p.publish.message_expiry_interval, Some(3600));
        assert_eq!(p.publish.user_properties.len(), 2);
        assert_eq!(p.connect.receive_maximum, Some(10));
        assert_eq!(p.will.will_delay_interval, Some(5));
    }

    #[test]
    fn errors_are_mosquittos() {
        let e = |v: &[&str]| parse_all(&[occ(v)]).unwrap_err().to_string();
        assert!(e(&["bogus", "content-type", "x"]).starts_with("Invalid command bogus"));
        assert!(e(&["publish", "bogus", "x"]).starts_with("Invalid property name bogus"));
        assert!(e(&["connect", "topic-alias", "1"]).contains("not allowed for connect"));
        assert!(e(&["publish", "payload-format-indicator", "256"]).contains("out of range"));
        assert!(e(&["publish", "topic-alias", "abc"]).contains("not a number"));
        assert!(e(&["publish", "subscription-identifier", "1"]).contains("not supported for publish"));
        assert!(e(&["publish", "user-property", "k"]).contains("not enough arguments"));
        assert!(e(&["connect", "receive-maximum", "0"]).contains("CONNECT"));
        let dup = parse_all(&[
            occ(&["publish", "content-type", "a"]),
            occ(&["publish", "content-type", "b"]),
        ]);
        assert!(dup.unwrap_err().to_string().contains("Duplicate property"));
    }
}
