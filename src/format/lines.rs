//! Whole-message JSON: mosquitto's `%j`/`%J` object (2.1 layout: `retain` a
//! bool, user properties an array) and mqttkit's lossless `--json` line, the
//! format `mqtt-pub --jsonl` reads back.

use std::borrow::Cow;

use base64::Engine;
use serde_json::{Map, Value};

use super::json::J;
use super::time::Stamp;
use crate::codec::Reading;
use crate::mqtt::{Message, PublishProps};

/// mosquitto's `%j` object with `payload` as given.
pub fn message_json<'a>(m: &'a Message, stamp: &Stamp, payload: J<'a>) -> J<'a> {
    let mut fields = vec![
        ("tst", J::Str(Cow::Owned(stamp.tst().into_bytes()))),
        ("topic", J::Str(Cow::Borrowed(&m.topic))),
        ("qos", J::Int(m.qos as i64)),
        ("retain", J::Bool(m.retain)),
        ("payloadlen", J::Int(m.payload.len() as i64)),
    ];
    if m.qos as u8 > 0 {
        fields.push(("mid", J::Int(i64::from(m.pkid))));
    }
    if let Some(p) = m.props.as_deref() {
        let props = properties(p, &m.props_order);
        if !props.is_empty() {
            fields.push(("properties", J::Obj(props)));
        }
    }
    fields.push(("payload", payload));
    J::Obj(fields)
}

/// The properties mosquitto prints, in the order the broker sent them
/// (`order`: their identifiers as read off the wire); any not in `order` in
/// the order a mosquitto broker sends them.
fn properties<'a>(p: &'a PublishProps, order: &[u8]) -> Vec<(&'static str, J<'a>)> {
    let mut v: Vec<(u8, &'static str, J<'a>)> = Vec::new();
    if let Some(x) = p.payload_format_indicator {
        v.push((0x01, "payload-format-indicator", J::Int(i64::from(x))));
    }
    if let Some(x) = &p.content_type {
        v.push((0x03, "content-type", J::Str(Cow::Borrowed(x.as_bytes()))));
    }
    if let Some(x) = &p.response_topic {
        v.push((0x08, "response-topic", J::Str(Cow::Borrowed(x.as_bytes()))));
    }
    if let Some(x) = &p.correlation_data {
        v.push((0x09, "correlation-data", J::Str(Cow::Borrowed(x))));
    }
    if !p.user_properties.is_empty() {
        let list = p
            .user_properties
            .iter()
            .map(|(k, val)| J::Obj(vec![(k.as_str(), J::Str(Cow::Borrowed(val.as_bytes())))]))
            .collect();
        // At the place of the first user property, as mosquitto puts it.
        v.push((0x26, "user-properties", J::Arr(list)));
    }
    if let Some(x) = p.message_expiry_interval {
        v.push((0x02, "message-expiry-interval", J::Int(i64::from(x))));
    }
    if let Some(x) = p.topic_alias {
        v.push((0x23, "topic-alias", J::Int(i64::from(x))));
    }
    // One key per identifier, as mosquitto prints them (a message matching
    // several subscriptions carries several).
    for &x in &p.subscription_identifiers {
        v.push((0x0b, "subscription-identifier", J::Int(x as i64)));
    }
    let rank = |id: u8| order.iter().position(|&o| o == id).unwrap_or(usize::MAX);
    v.sort_by_key(|(id, _, _)| rank(*id));
    v.into_iter().map(|(_, k, j)| (k, j)).collect()
}

/// One `--json` line (without the newline): valid JSON whatever the bytes,
/// with `payload` when the payload is UTF-8 and `payload_base64` otherwise
/// — or, `decoded` (`--decode`), `payload` the value it decoded to,
/// `codec` its format and `warnings` what the decoder found amiss.
pub fn json_line(m: &Message, stamp: &Stamp, decoded: Option<(&str, &Reading)>, out: &mut Vec<u8>) {
    let b64 = |b: &[u8]| Value::String(base64::engine::general_purpose::STANDARD.encode(b));
    let mut o = Map::new();
    o.insert("tst".into(), Value::String(stamp.tst()));
    o.insert("topic".into(), Value::String(m.topic_str().into_owned()));
    o.insert("qos".into(), Value::from(m.qos as u8));
    o.insert("retain".into(), Value::Bool(m.retain));
    if m.qos as u8 > 0 {
        o.insert("mid".into(), Value::from(m.pkid));
    }
    if let Some(p) = m.props.as_deref() {
        let mut props = Map::new();
        if let Some(x) = p.payload_format_indicator {
            props.insert("payload-format-indicator".into(), Value::from(x));
        }
        if let Some(x) = &p.content_type {
            props.insert("content-type".into(), Value::from(x.as_str()));
        }
        if let Some(x) = &p.response_topic {
            props.insert("response-topic".into(), Value::from(x.as_str()));
        }
        if let Some(x) = &p.correlation_data {
            match std::str::from_utf8(x) {
                Ok(s) => props.insert("correlation-data".into(), Value::from(s)),
                Err(_) => props.insert("correlation-data-base64".into(), b64(x)),
            };
        }
        if !p.user_properties.is_empty() {
            let list = p.user_properties.iter().map(|(k, v)| {
                let mut one = Map::new();
                one.insert(k.clone(), Value::from(v.as_str()));
                Value::Object(one)
            });
            props.insert("user-properties".into(), Value::Array(list.collect()));
        }
        if let Some(x) = p.message_expiry_interval {
            props.insert("message-expiry-interval".into(), Value::from(x));
        }
        if let Some(x) = p.topic_alias {
            props.insert("topic-alias".into(), Value::from(x));
        }
        if !p.subscription_identifiers.is_empty() {
            let ids = p.subscription_identifiers.iter().map(|&x| Value::from(x));
            props.insert("subscription-identifiers".into(), Value::Array(ids.collect()));
        }
        if !props.is_empty() {
            o.insert("properties".into(), Value::Object(props));
        }
    }
    match (decoded, std::str::from_utf8(&m.payload)) {
        (Some((codec, reading)), _) => {
            o.insert("codec".into(), Value::from(codec));
            if !reading.warnings.is_empty() {
                o.insert("warnings".into(), Value::from(reading.warnings.clone()));
            }
            o.insert("payload".into(), reading.value.clone())
        }
        (None, Ok(s)) => o.insert("payload".into(), Value::from(s)),
        (None, Err(_)) => o.insert("payload_base64".into(), b64(&m.payload)),
    };
    serde_json::to_writer(out, &Value::Object(o)).expect("JSON to memory");
}
