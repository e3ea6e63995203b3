//! `--jsonl`: one JSON object per line, the format `mqtt-sub --json` writes:
//!
//! ```text
//! {"topic":"a/b","payload":"text","qos":1,"retain":false}
//! {"topic":"a/c","payload_base64":"AAH/","properties":{"content-type":"bin"}}
//! ```
//!
//! `topic`, `qos` and `retain` default to `-t`, `-q` and `-r`. Keys such as
//! `mid` and `payloadlen` in a capture are ignored, and `tst` except by
//! `--replay`, which is paced by it. `properties` uses
//! mosquitto's JSON names and needs MQTT v5.

use base64::Engine;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

use crate::codec::Codec;
use crate::mqtt::{OutMessage, Protocol, PublishProps, QoS, validate_publish_topic};
use crate::settings::MAX_PAYLOAD;

/// What a line may leave out.
#[derive(Debug, Clone)]
pub struct Defaults {
    pub topic: Option<String>,
    pub qos: QoS,
    pub retain: bool,
    pub props: Option<Box<PublishProps>>,
    pub protocol: Protocol,
    /// `--encode`: `payload` is the value to encode.
    pub encode: Option<Codec>,
}

#[derive(Deserialize)]
struct JsonLine {
    tst: Option<Value>,
    topic: Option<String>,
    payload: Option<Value>,
    payload_base64: Option<String>,
    qos: Option<u8>,
    retain: Option<Value>,
    properties: Option<JsonProps>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JsonProps {
    #[serde(rename = "payload-format-indicator")]
    payload_format_indicator: Option<u8>,
    #[serde(rename = "message-expiry-interval")]
    message_expiry_interval: Option<u32>,
    #[serde(rename = "content-type")]
    content_type: Option<String>,
    #[serde(rename = "response-topic")]
    response_topic: Option<String>,
    #[serde(rename = "correlation-data")]
    correlation_data: Option<String>,
    #[serde(rename = "correlation-data-base64")]
    correlation_data_base64: Option<String>,
    #[serde(rename = "topic-alias")]
    topic_alias: Option<u16>,
    #[serde(rename = "user-properties")]
    user_properties: Option<Value>,
    /// Set by the broker on delivery; meaningless when publishing.
    #[serde(rename = "subscription-identifier")]
    _subscription_identifier: Option<Value>,
    #[serde(rename = "subscription-identifiers")]
    _subscription_identifiers: Option<Value>,
}

/// When a captured message arrived.
pub type Tst = chrono::DateTime<chrono::FixedOffset>;

/// Parse one line into a message (its `tst` unread).
pub fn parse(line: &[u8], d: &Defaults) -> anyhow::Result<OutMessage> {
    parse_line(line, d).map(|(m, _)| m)
}

/// Parse one line into a message and its `tst`, if it has one.
pub fn parse_timed(line: &[u8], d: &Defaults) -> anyhow::Result<(OutMessage, Option<Tst>)> {
    let (m, tst) = parse_line(line, d)?;
    let tst = match tst {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => {
            Some(crate::format::parse_tst(&t).ok_or_else(|| anyhow::anyhow!("\"tst\" is not a time: {t:?}"))?)
        }
        Some(v) => anyhow::bail!("\"tst\" must be a time as text, not {v}"),
    };
    Ok((m, tst))
}

fn parse_line(line: &[u8], d: &Defaults) -> anyhow::Result<(OutMessage, Option<Value>)> {
    let l: JsonLine = serde_json::from_slice(line).map_err(|e| anyhow::anyhow!("invalid JSON: {e}"))?;
    let topic = l
        .topic
        .or_else(|| d.topic.clone())
        .ok_or_else(|| anyhow::anyhow!("no \"topic\" in the line and no -t given"))?;
    validate_publish_topic(&topic, "topic").map_err(anyhow::Error::msg)?;
    let payload = match (l.payload, l.payload_base64) {
        (Some(_), Some(_)) => anyhow::bail!("both \"payload\" and \"payload_base64\" given"),
        (Some(v), None) if let Some(codec) = &d.encode => Bytes::from(
            codec
                .encode(&v)
                .map_err(|e| anyhow::anyhow!("\"payload\" cannot be encoded as {}: {e}", codec.name()))?,
        ),
        (Some(Value::String(s)), None) => Bytes::from(s),
        (Some(Value::Null) | None, None) => Bytes::new(),
        // A JSON payload captured with %J: publish its text.
        (Some(v), None) => Bytes::from(v.to_string()),
        (None, Some(b)) => Bytes::from(
            base64::engine::general_purpose::STANDARD
                .decode(b.as_bytes())
                .map_err(|e| anyhow::anyhow!("\"payload_base64\" is not valid base64: {e}"))?,
        ),
    };
    if payload.len() > MAX_PAYLOAD {
        anyhow::bail!("payload longer than {MAX_PAYLOAD} bytes");
    }
    let qos = match l.qos {
        None => d.qos,
        Some(q) => QoS::from_u8(q).ok_or_else(|| anyhow::anyhow!("\"qos\" must be 0, 1 or 2, not {q}"))?,
    };
    let retain = match l.retain {
        None | Some(Value::Null) => d.retain,
        Some(Value::Bool(b)) => b,
        Some(Value::Number(n)) if n.as_u64() == Some(0) => false,
        Some(Value::Number(n)) if n.as_u64() == Some(1) => true,
        Some(v) => anyhow::bail!("\"retain\" must be true or false, not {v}"),
    };
    let props = match l.properties {
        None => d.props.clone(),
        Some(p) => {
            if d.protocol != Protocol::V5 {
                anyhow::bail!("\"properties\" need MQTT v5: add -V 5");
            }
            Some(Box::new(convert(p)?))
        }
    };
    let m = OutMessage {
        topic,
        payload,
        qos,
        retain,
        props,
    };
    Ok((m, l.tst))
}

fn convert(p: JsonProps) -> anyhow::Result<PublishProps> {
    let mut user_properties = Vec::new();
    match p.user_properties {
        None | Some(Value::Null) => {}
        // mosquitto 2.1: [{"k":"v"}, ...]; 2.0: {"k":"v", ...}.
        Some(Value::Array(items)) => {
            for item in items {
                let Value::Object(map) = item else {
                    anyhow::bail!("\"user-properties\" items must be objects")
                };
                for (k, v) in map {
                    user_properties.push((k, string(v)?));
                }
            }
        }
        Some(Value::Object(map)) => {
            for (k, v) in map {
                user_properties.push((k, string(v)?));
            }
        }
        Some(_) => anyhow::bail!("\"user-properties\" must be an array of objects"),
    }
    Ok(PublishProps {
        payload_format_indicator: p.payload_format_indicator,
        message_expiry_interval: p.message_expiry_interval,
        topic_alias: p.topic_alias,
        response_topic: p.response_topic,
        correlation_data: match (p.correlation_data, p.correlation_data_base64) {
            (Some(s), None) => Some(s.into()),
            (None, Some(b)) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(b.as_bytes())
                    .map_err(|e| anyhow::anyhow!("\"correlation-data-base64\" is not valid base64: {e}"))?
                    .into(),
            ),
            (None, None) => None,
            (Some(_), Some(_)) => anyhow::bail!("both \"correlation-data\" and \"correlation-data-base64\" given"),
        },
        content_type: p.content_type,
        user_properties,
        subscription_identifiers: Vec::new(),
    })
}

fn string(v: Value) -> anyhow::Result<String> {
    match v {
        Value::String(s) => Ok(s),
        other => anyhow::bail!("user property values must be strings, not {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Defaults {
        Defaults {
            topic: Some("def".into()),
            qos: QoS::AtLeastOnce,
            retain: false,
            props: None,
            protocol: Protocol::V5,
            encode: None,
        }
    }

    #[test]
    fn with_encode_the_payload_value_is_encoded_and_base64_sent_as_it_is() {
        let cbor = Defaults {
            encode: Some(Codec::Cbor),
            ..d()
        };
        let m = parse(br#"{"payload":{"a":[1,2]}}"#, &cbor).unwrap();
        assert_eq!(&m.payload[..], b"\xa1\x61a\x82\x01\x02");
        let m = parse(br#"{"payload_base64":"AAE="}"#, &cbor).unwrap();
        assert_eq!(&m.payload[..], b"\x00\x01");
    }

    #[test]
    fn text_base64_and_defaults() {
        let m = parse(br#"{"topic":"a/b","payload":"hi","qos":2,"retain":true}"#, &d()).unwrap();
        assert_eq!(
            (m.topic.as_str(), &m.payload[..], m.qos, m.retain),
            ("a/b", &b"hi"[..], QoS::ExactlyOnce, true)
        );
        let m = parse(br#"{"payload_base64":"AAH/"}"#, &d()).unwrap();
        assert_eq!(
            (m.topic.as_str(), &m.payload[..], m.qos),
            ("def", &[0u8, 1, 255][..], QoS::AtLeastOnce)
        );
        let m = parse(
            br#"{"tst":"x","topic":"t","qos":0,"retain":1,"payloadlen":0,"payload":null}"#,
            &d(),
        )
        .unwrap();
        assert!(m.payload.is_empty() && m.retain);
    }

    #[test]
    fn properties() {
        let line =
            br#"{"topic":"t","payload":"p","properties":{"content-type":"c","user-properties":[{"a":"1"},{"a":"2"}]}}"#;
        let p = parse(line, &d()).unwrap().props.unwrap();
        assert_eq!(p.content_type.as_deref(), Some("c"));
        assert_eq!(
            p.user_properties,
            vec![("a".into(), "1".into()), ("a".into(), "2".into())]
        );
        let v3 = Defaults {
            protocol: Protocol::V311,
            ..d()
        };
        assert!(parse(line, &v3).unwrap_err().to_string().contains("MQTT v5"));
    }

    #[test]
    fn bad_lines() {
        for line in [
            &br#"{"topic":"a/#","payload":"x"}"#[..],
            b"not json",
            br#"{"payload":"x","qos":3}"#,
            br#"{"payload_base64":"!!"}"#,
        ] {
            assert!(parse(line, &d()).is_err(), "{}", String::from_utf8_lossy(line));
        }
        let no_topic = Defaults { topic: None, ..d() };
        assert!(parse(br#"{"payload":"x"}"#, &no_topic).is_err());
    }
}
