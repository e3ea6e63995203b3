//! The v4/v5 seam: every packet a connection writes or reads, encoded and
//! decoded with the library's packet codec (`rumqttc` for MQTT 3.1.1 and
//! 3.1, `rumqttc5` for MQTT 5), so that [`super::conn`] never asks which
//! version it speaks.
//!
//! Two things mosquitto puts on the wire that the library's codec does not
//! are done here, on the bytes just encoded (nothing rewrites a stream):
//!
//! - **MQTT 3.1** (`-V 31`): 3.1 and 3.1.1 differ only in CONNECT, whose
//!   protocol name is `MQIsdp` at level 3 where 3.1.1 says `MQTT` at level 4
//!   (and a 3.1 client id is 1–23 characters: [`generated_id`]).
//! - **`-D publish` properties in command-line order**: the library writes
//!   a PUBLISH's properties in a fixed order; mosquitto in the order given.
//!   The property list is permuted into that order (no length changes).
//!
//! Reading, it notes the order of an MQTT 5 PUBLISH's properties when the
//! output shows it (`%j`): the library's parsed fields lose it.

use bytes::{Bytes, BytesMut};

use super::events::{ConnError, Event};
use crate::mqtt::{
    ConnAckProps, DisconnectProps, Filter, Message, OutMessage, Protocol, PublishProps, QoS, SubscribeProps,
};
use crate::settings::{ConnSettings, SessionOptions};

use crate::mqtt::MAX_PACKET_SIZE;

/// How one connection encodes and decodes.
#[derive(Debug, Clone)]
pub struct Codec {
    v5: bool,
    /// PUBLISH property identifiers in the wanted order, one per occurrence
    /// (MQTT 5, two or more: else there is nothing to order).
    publish_order: Vec<u8>,
    /// Note each received PUBLISH's property order (MQTT 5).
    property_order: bool,
}

/// What the broker answered to CONNECT.
pub struct ConnAck {
    /// 0, or the refusal (the 3.1.1 return code, the MQTT 5 reason code).
    pub code: u8,
    pub session_present: bool,
    pub props: Option<ConnAckProps>,
}

/// Our acknowledgements of a QoS 1/2 flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // the packets' names
pub enum Ack {
    PubAck,
    PubRec,
    PubRel,
    PubComp,
}

impl Codec {
    pub fn new(s: &ConnSettings, session: &SessionOptions) -> Codec {
        let v5 = s.protocol == Protocol::V5;
        let publish_order: Vec<u8> = match v5 {
            true => (s.props.publish_order.iter())
                .filter_map(|name| publish_property_id(name))
                .collect(),
            false => Vec::new(),
        };
        Codec {
            v5,
            publish_order: if publish_order.len() > 1 {
                publish_order
            } else {
                Vec::new()
            },
            property_order: v5 && session.property_order,
        }
    }

    pub fn v5(&self) -> bool {
        self.v5
    }

    /// The CONNECT packet for `s` (encoded once per connection).
    pub fn connect(s: &ConnSettings, session: &SessionOptions) -> Result<Bytes, ConnError> {
        let mut buf = BytesMut::new();
        let written = if s.protocol == Protocol::V5 {
            connect_v5(s, session.receive_maximum)
                .write(&mut buf, None)
                .map(drop)
                .map_err(|e| e.to_string())
        } else {
            connect_v4(s).write(&mut buf).map(drop).map_err(|e| e.to_string())
        };
        written.map_err(|e| ConnError::Other(format!("cannot encode CONNECT: {e}")))?;
        if s.protocol == Protocol::V31 {
            buf = as_mqtt31(&buf);
        }
        Ok(buf.freeze())
    }

    /// Append one PUBLISH.
    pub fn publish(&self, buf: &mut BytesMut, m: OutMessage, pkid: u16) -> Result<(), ConnError> {
        let at = buf.len();
        let topic = Bytes::from(m.topic.into_bytes());
        let written = if self.v5 {
            rumqttc5::Publish {
                dup: false,
                qos: lib_qos(m.qos),
                retain: m.retain,
                topic,
                pkid,
                payload: m.payload,
                properties: m.props.map(|p| props_v5(*p)),
            }
            .write(buf)
            .map_err(|e| e.to_string())
        } else {
            rumqttc::Publish {
                dup: false,
                qos: lib_qos(m.qos),
                retain: m.retain,
                topic,
                pkid,
                payload: m.payload,
            }
            .write(buf)
            .map_err(|e| e.to_string())
        };
        if let Err(e) = written {
            buf.truncate(at);
            return Err(ConnError::Other(format!("cannot encode PUBLISH: {e}")));
        }
        if !self.publish_order.is_empty() {
            reorder_publish_properties(&mut buf[at..], &self.publish_order);
        }
        Ok(())
    }

    /// Append an acknowledgement (they cannot fail to encode).
    pub fn ack(&self, buf: &mut BytesMut, ack: Ack, pkid: u16) {
        if self.v5 {
            use rumqttc5::Packet as P;
            let p = match ack {
                Ack::PubAck => P::PubAck(rumqttc5::PubAck::new(pkid, None)),
                Ack::PubRec => P::PubRec(rumqttc5::PubRec::new(pkid, None)),
                Ack::PubRel => P::PubRel(rumqttc5::PubRel::new(pkid, None)),
                Ack::PubComp => P::PubComp(rumqttc5::PubComp::new(pkid, None)),
            };
            let _ = p.write(buf, None);
        } else {
            use rumqttc::Packet as P;
            let p = match ack {
                Ack::PubAck => P::PubAck(rumqttc::PubAck::new(pkid)),
                Ack::PubRec => P::PubRec(rumqttc::PubRec::new(pkid)),
                Ack::PubRel => P::PubRel(rumqttc::PubRel::new(pkid)),
                Ack::PubComp => P::PubComp(rumqttc::PubComp::new(pkid)),
            };
            let _ = p.write(buf, MAX_PACKET_SIZE);
        }
    }

    /// Append one SUBSCRIBE with every filter.
    pub fn subscribe(
        &self,
        buf: &mut BytesMut,
        pkid: u16,
        filters: &[Filter],
        props: &SubscribeProps,
    ) -> Result<(), ConnError> {
        let written = if self.v5 {
            let mut sub = rumqttc5::Subscribe::new_many(filters.iter().map(filter_v5), Some(subscribe_props_v5(props)));
            sub.pkid = pkid;
            rumqttc5::Packet::Subscribe(sub)
                .write(buf, None)
                .map(drop)
                .map_err(|e| e.to_string())
        } else {
            let sub = rumqttc::Subscribe {
                pkid,
                filters: filters.iter().map(filter_v4).collect(),
            };
            sub.write(buf).map(drop).map_err(|e| e.to_string())
        };
        written.map_err(|e| ConnError::Other(format!("cannot encode SUBSCRIBE: {e}")))
    }

    /// Append one UNSUBSCRIBE.
    pub fn unsubscribe(
        &self,
        buf: &mut BytesMut,
        pkid: u16,
        topic: &str,
        user_properties: &[(String, String)],
    ) -> Result<(), ConnError> {
        let written = if self.v5 {
            let props = rumqttc5::UnsubscribeProperties {
                user_properties: user_properties.to_vec(),
            };
            let mut u = rumqttc5::Unsubscribe::new(topic, Some(props).filter(|p| !p.user_properties.is_empty()));
            u.pkid = pkid;
            rumqttc5::Packet::Unsubscribe(u)
                .write(buf, None)
                .map(drop)
                .map_err(|e| e.to_string())
        } else {
            let u = rumqttc::Unsubscribe {
                pkid,
                topics: vec![topic.to_string()],
            };
            u.write(buf).map(drop).map_err(|e| e.to_string())
        };
        written.map_err(|e| ConnError::Other(format!("cannot encode UNSUBSCRIBE: {e}")))
    }

    pub fn ping(&self, buf: &mut BytesMut) {
        if self.v5 {
            let _ = rumqttc5::Packet::PingReq.write(buf, None);
        } else {
            let _ = rumqttc::Packet::PingReq.write(buf, MAX_PACKET_SIZE);
        }
    }

    /// Append DISCONNECT; `with_will` (MQTT 5) asks the broker to publish
    /// the will (reason 4), as mosquitto_sub does when interrupted.
    pub fn disconnect(&self, buf: &mut BytesMut, props: &DisconnectProps, with_will: bool) {
        if !self.v5 {
            let _ = rumqttc::Packet::Disconnect.write(buf, MAX_PACKET_SIZE);
            return;
        }
        let reason = if with_will {
            rumqttc5::DisconnectReasonCode::DisconnectWithWillMessage
        } else {
            rumqttc5::DisconnectReasonCode::NormalDisconnection
        };
        let p = rumqttc5::DisconnectProperties {
            session_expiry_interval: props.session_expiry_interval,
            reason_string: props.reason_string.clone(),
            user_properties: props.user_properties.clone(),
            server_reference: None,
        };
        let mut d = rumqttc5::Disconnect::new(reason);
        d.properties = Some(p).filter(|_| *props != DisconnectProps::default());
        let _ = rumqttc5::Packet::Disconnect(d).write(buf, None);
    }

    /// The CONNACK at the start of `buf`; `None` until it is whole.
    pub fn read_connack(&self, buf: &mut BytesMut) -> Result<Option<ConnAck>, ConnError> {
        if self.v5 {
            match rumqttc5::Packet::read(buf, None) {
                Ok(rumqttc5::Packet::ConnAck(a)) => Ok(Some(ConnAck {
                    code: connack_v5_code(a.code),
                    session_present: a.session_present,
                    props: a.properties.map(connack_props),
                })),
                Ok(other) => Err(unexpected(&format!("{other:?}"))),
                Err(rumqttc5::mqttbytes::Error::InsufficientBytes(_)) => Ok(None),
                Err(e) => Err(malformed(&e)),
            }
        } else {
            match rumqttc::Packet::read(buf, MAX_PACKET_SIZE) {
                Ok(rumqttc::Packet::ConnAck(a)) => Ok(Some(ConnAck {
                    code: a.code as u8,
                    session_present: a.session_present,
                    props: None,
                })),
                Ok(other) => Err(unexpected(&format!("{other:?}"))),
                Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => Ok(None),
                Err(e) => Err(malformed(&e)),
            }
        }
    }

    /// The next whole packet in `buf`, as the event it is; `None` until one
    /// is whole.
    pub fn read(&self, buf: &mut BytesMut) -> Result<Option<Event>, ConnError> {
        if self.v5 {
            let order = self.property_order.then(|| publish_property_ids(buf)).flatten();
            match rumqttc5::Packet::read(buf, None) {
                Ok(p) => {
                    let mut ev = from_v5(p)?;
                    if let (Event::Message(m), Some(order)) = (&mut ev, order) {
                        m.props_order = order;
                    }
                    Ok(Some(ev))
                }
                Err(rumqttc5::mqttbytes::Error::InsufficientBytes(_)) => Ok(None),
                Err(e) => Err(malformed(&e)),
            }
        } else {
            match rumqttc::Packet::read(buf, MAX_PACKET_SIZE) {
                Ok(p) => from_v4(p).map(Some),
                Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => Ok(None),
                Err(e) => Err(malformed(&e)),
            }
        }
    }
}

fn malformed(e: &dyn std::fmt::Display) -> ConnError {
    ConnError::Protocol(format!("a malformed packet: {e}"))
}

fn unexpected(what: &str) -> ConnError {
    let name = what.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or(what);
    ConnError::Protocol(format!("an unexpected {name} packet"))
}

fn from_v4(p: rumqttc::Packet) -> Result<Event, ConnError> {
    use rumqttc::Packet as P;
    Ok(match p {
        P::Publish(p) => Event::Message(Message {
            topic: p.topic,
            payload: p.payload,
            qos: our_qos(p.qos),
            retain: p.retain,
            dup: p.dup,
            pkid: p.pkid,
            props: None,
            props_order: Vec::new(),
        }),
        P::PubAck(a) => Event::PubAck {
            pkid: a.pkid,
            reason: 0,
            reason_string: None,
        },
        P::PubRec(a) => Event::PubRec {
            pkid: a.pkid,
            reason: 0,
            reason_string: None,
        },
        P::PubRel(r) => Event::PubRelReceived { pkid: r.pkid },
        P::PubComp(a) => Event::PubComp {
            pkid: a.pkid,
            reason: 0,
        },
        P::SubAck(a) => Event::SubAck {
            pkid: a.pkid,
            codes: (a.return_codes.iter())
                .map(|c| match c {
                    rumqttc::SubscribeReasonCode::Success(q) => *q as u8,
                    rumqttc::SubscribeReasonCode::Failure => 0x80,
                })
                .collect(),
        },
        P::UnsubAck(a) => Event::UnsubAck { pkid: a.pkid },
        P::PingResp => Event::PingResp,
        other => return Err(unexpected(&format!("{other:?}"))),
    })
}

fn from_v5(p: rumqttc5::Packet) -> Result<Event, ConnError> {
    use rumqttc5::Packet as P;
    Ok(match p {
        P::Publish(p) => {
            let props = p.properties.map(|pp| {
                Box::new(PublishProps {
                    payload_format_indicator: pp.payload_format_indicator,
                    message_expiry_interval: pp.message_expiry_interval,
                    topic_alias: pp.topic_alias,
                    response_topic: pp.response_topic,
                    correlation_data: pp.correlation_data,
                    user_properties: pp.user_properties,
                    subscription_identifiers: pp.subscription_identifiers,
                    content_type: pp.content_type,
                })
            });
            Event::Message(Message {
                topic: p.topic,
                payload: p.payload,
                qos: our_qos(p.qos),
                retain: p.retain,
                dup: p.dup,
                pkid: p.pkid,
                props: Some(props.unwrap_or_default()),
                props_order: Vec::new(),
            })
        }
        P::PubAck(a) => Event::PubAck {
            pkid: a.pkid,
            reason: a.reason as u8,
            reason_string: a.properties.and_then(|p| p.reason_string),
        },
        P::PubRec(a) => Event::PubRec {
            pkid: a.pkid,
            reason: a.reason as u8,
            reason_string: a.properties.and_then(|p| p.reason_string),
        },
        P::PubRel(r) => Event::PubRelReceived { pkid: r.pkid },
        P::PubComp(a) => Event::PubComp {
            pkid: a.pkid,
            reason: a.reason as u8,
        },
        P::SubAck(a) => Event::SubAck {
            pkid: a.pkid,
            codes: a.return_codes.iter().map(suback_v5_code).collect(),
        },
        P::UnsubAck(a) => Event::UnsubAck { pkid: a.pkid },
        P::PingResp => Event::PingResp,
        P::Disconnect(d) => Event::DisconnectReceived {
            reason: d.reason_code as u8,
            reason_string: d.properties.and_then(|p| p.reason_string),
        },
        // Enhanced authentication cannot be continued yet.
        P::Auth(_) => Event::Other,
        other => return Err(unexpected(&format!("{other:?}"))),
    })
}

/// Both codecs' QoS (the same type in each).
fn lib_qos(q: QoS) -> rumqttc::QoS {
    match q {
        QoS::AtMostOnce => rumqttc::QoS::AtMostOnce,
        QoS::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        QoS::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
    }
}

fn our_qos(q: rumqttc::QoS) -> QoS {
    QoS::from_u8(q as u8).unwrap_or(QoS::AtMostOnce)
}

/// The properties of a message to publish, as the MQTT 5 codec takes them.
fn props_v5(p: PublishProps) -> rumqttc5::PublishProperties {
    rumqttc5::PublishProperties {
        payload_format_indicator: p.payload_format_indicator,
        message_expiry_interval: p.message_expiry_interval,
        topic_alias: p.topic_alias,
        response_topic: p.response_topic,
        correlation_data: p.correlation_data,
        user_properties: p.user_properties,
        subscription_identifiers: Vec::new(),
        content_type: p.content_type,
    }
}

fn filter_v4(f: &Filter) -> rumqttc::SubscribeFilter {
    rumqttc::SubscribeFilter::new(f.topic.clone(), lib_qos(f.qos))
}

fn filter_v5(f: &Filter) -> rumqttc5::SubscribeFilter {
    let mut sf = rumqttc5::SubscribeFilter::new(f.topic.clone(), lib_qos(f.qos));
    sf.nolocal = f.no_local;
    sf.preserve_retain = f.retain_as_published;
    sf.retain_forward_rule = match f.retain_handling {
        0 => rumqttc5::RetainForwardRule::OnEverySubscribe,
        1 => rumqttc5::RetainForwardRule::OnNewSubscribe,
        _ => rumqttc5::RetainForwardRule::Never,
    };
    sf
}

fn subscribe_props_v5(p: &SubscribeProps) -> rumqttc5::SubscribeProperties {
    rumqttc5::SubscribeProperties {
        id: p.subscription_identifier.map(|i| i as usize),
        user_properties: p.user_properties.clone(),
    }
}

fn connack_props(p: rumqttc5::ConnAckProperties) -> ConnAckProps {
    ConnAckProps {
        session_expiry_interval: p.session_expiry_interval,
        receive_maximum: p.receive_max,
        maximum_qos: p.max_qos,
        retain_available: p.retain_available,
        maximum_packet_size: p.max_packet_size,
        assigned_client_identifier: p.assigned_client_identifier,
        topic_alias_maximum: p.topic_alias_max,
        reason_string: p.reason_string,
        user_properties: p.user_properties,
        wildcard_subscription_available: p.wildcard_subscription_available,
        subscription_identifiers_available: p.subscription_identifiers_available,
        shared_subscription_available: p.shared_subscription_available,
        server_keep_alive: p.server_keep_alive,
        response_information: p.response_information,
        server_reference: p.server_reference,
        authentication_method: p.authentication_method,
    }
}

/// The MQTT 3.1.1 CONNECT for `s` (also the base of a 3.1 one).
fn connect_v4(s: &ConnSettings) -> rumqttc::Connect {
    let mut c = rumqttc::Connect::new(s.client_id.clone().unwrap_or_default());
    c.keep_alive = s.keepalive;
    c.clean_session = s.clean;
    let mut o = rumqttc::MqttOptions::new("", ("localhost", 1883));
    match (&s.credentials.username, &s.credentials.password) {
        (Some(u), Some(p)) => {
            o.set_credentials(u.clone(), Bytes::from(p.clone()));
        }
        (Some(u), None) => {
            o.set_username(u.clone());
        }
        _ => {}
    }
    c.auth = o.auth().clone();
    c.last_will =
        (s.will.as_ref()).map(|w| rumqttc::LastWill::new(w.topic.clone(), w.payload.clone(), lib_qos(w.qos), w.retain));
    c
}

/// The MQTT 5 CONNECT for `s`, with its will and credentials.
fn connect_v5(s: &ConnSettings, receive_maximum: u16) -> rumqttc5::Packet {
    let mut o = rumqttc5::MqttOptions::new(s.client_id.clone().unwrap_or_default(), ("localhost", 1883));
    o.set_keep_alive(s.keepalive);
    o.set_clean_start(s.clean);
    let c = &s.props.connect;
    o.set_session_expiry_interval(c.session_expiry_interval.or(s.session_expiry));
    // Like mosquitto: receive-maximum 20 unless -D says otherwise.
    o.set_receive_maximum(Some(c.receive_maximum.unwrap_or(receive_maximum)));
    o.set_topic_alias_max(c.topic_alias_maximum);
    o.set_request_problem_info(c.request_problem_information);
    o.set_request_response_info(c.request_response_information);
    if !c.user_properties.is_empty() {
        o.set_user_properties(c.user_properties.clone());
    }
    if c.authentication_method.is_some() {
        o.set_authentication_method(c.authentication_method.clone());
        o.set_authentication_data(c.authentication_data.clone().map(Bytes::from));
    }
    match (&s.credentials.username, &s.credentials.password) {
        (Some(u), Some(p)) => {
            o.set_credentials(u.clone(), Bytes::from(p.clone()));
        }
        (Some(u), None) => {
            o.set_username(u.clone());
        }
        (None, Some(p)) => {
            o.set_password(Bytes::from(p.clone()));
        }
        (None, None) => {}
    }
    if let Some(w) = &s.will {
        let wp = &s.props.will;
        let props = rumqttc5::LastWillProperties {
            delay_interval: wp.will_delay_interval,
            payload_format_indicator: wp.payload_format_indicator,
            message_expiry_interval: wp.message_expiry_interval,
            content_type: wp.content_type.clone(),
            response_topic: wp.response_topic.clone(),
            correlation_data: wp.correlation_data.clone().map(Bytes::from),
            user_properties: wp.user_properties.clone(),
        };
        let has_props = *wp != crate::mqtt::WillProps::default();
        o.set_last_will(rumqttc5::LastWill::new(
            w.topic.clone(),
            w.payload.clone(),
            lib_qos(w.qos),
            w.retain,
            has_props.then_some(props),
        ));
    }
    // Last: the connect-property setters above may reset the packet size
    // limit to the library's 10 KiB default.
    match s.props.connect.maximum_packet_size {
        Some(max) => o.set_max_packet_size(Some(max)),
        None => o.set_unlimited_incoming_packet_size(),
    };
    let connect = rumqttc5::Connect {
        client_id: o.client_id(),
        keep_alive: s.keepalive,
        clean_start: s.clean,
        properties: o.connect_properties(),
    };
    rumqttc5::Packet::Connect(connect, o.last_will(), o.auth().clone())
}

/// Read a variable byte integer at `at`: (value, bytes used); `None` if
/// `buf` ends first, `Some(None)` if it is malformed.
fn varint(buf: &[u8], at: usize) -> Option<Option<(usize, usize)>> {
    let mut value = 0usize;
    for i in 0..4 {
        let b = *buf.get(at + i)?;
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(Some((value, i + 1)));
        }
    }
    Some(None)
}

fn encode_varint(mut len: usize, out: &mut BytesMut) {
    loop {
        let mut byte = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            byte |= 0x80;
        }
        out.extend_from_slice(&[byte]);
        if len == 0 {
            break;
        }
    }
}

const V311_NAME: &[u8] = b"\x00\x04MQTT\x04";
const V31_NAME: &[u8] = b"\x00\x06MQIsdp\x03";

/// A 3.1.1 CONNECT packet made a 3.1 one (name, level, remaining length).
fn as_mqtt31(connect: &[u8]) -> BytesMut {
    let Some(Some((remaining, used))) = varint(connect, 1) else {
        return BytesMut::from(connect);
    };
    let fixed = 1 + used;
    if connect.first() != Some(&0x10) || !connect[fixed..].starts_with(V311_NAME) {
        return BytesMut::from(connect);
    }
    let mut out = BytesMut::with_capacity(connect.len() + 3);
    out.extend_from_slice(&[0x10]);
    encode_varint(remaining - V311_NAME.len() + V31_NAME.len(), &mut out);
    out.extend_from_slice(V31_NAME);
    out.extend_from_slice(&connect[fixed + V311_NAME.len()..]);
    out
}

/// The MQTT 5 identifier of a `-D publish` property name.
fn publish_property_id(name: &str) -> Option<u8> {
    Some(match name {
        "payload-format-indicator" => 0x01,
        "message-expiry-interval" => 0x02,
        "content-type" => 0x03,
        "response-topic" => 0x08,
        "correlation-data" => 0x09,
        "topic-alias" => 0x23,
        "user-property" => 0x26,
        _ => return None,
    })
}

/// Where the property list of the MQTT 5 PUBLISH at the start of `p`
/// lies, if `p` holds all of it: (start, length).
fn publish_properties(p: &[u8]) -> Option<(usize, usize)> {
    let kind = *p.first()?;
    if kind >> 4 != 3 {
        return None;
    }
    let (remaining, used) = varint(p, 1)??;
    let total = 1 + used + remaining;
    let fixed = 1 + used;
    let t = p.get(fixed..fixed + 2)?;
    let pid = if kind & 0x06 != 0 { 2 } else { 0 };
    let at = fixed + 2 + usize::from(u16::from_be_bytes([t[0], t[1]])) + pid;
    let (len, used) = varint(p, at)??;
    let start = at + used;
    (start + len <= total.min(p.len())).then_some((start, len))
}

/// The length of one property (identifier included) at the start of `p`.
fn property_len(p: &[u8]) -> Option<usize> {
    let u16_at = |i: usize| p.get(i..i + 2).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])));
    let n = match *p.first()? {
        0x01 => 2,
        0x02 => 5,
        0x23 => 3,
        0x03 | 0x08 | 0x09 => 3 + u16_at(1)?,
        0x0b => 1 + varint(p, 1)??.1,
        0x26 => {
            let key = u16_at(1)?;
            3 + key + 2 + u16_at(3 + key)?
        }
        _ => return None,
    };
    (n <= p.len()).then_some(n)
}

/// The identifiers of the properties of the PUBLISH at the start of `buf`,
/// in wire order (`None`: not a PUBLISH, or not all of its head yet).
fn publish_property_ids(buf: &[u8]) -> Option<Vec<u8>> {
    let (start, len) = publish_properties(buf)?;
    let mut props = &buf[start..start + len];
    let mut ids = Vec::new();
    while let Some(n) = property_len(props) {
        ids.push(props[0]);
        props = &props[n..];
    }
    Some(ids)
}

/// Permute the property list of the PUBLISH packet `p` into `order`; left
/// alone if anything is unexpected.
fn reorder_publish_properties(p: &mut [u8], order: &[u8]) {
    let Some((start, len)) = publish_properties(p) else {
        return;
    };
    let mut entries: Vec<&[u8]> = Vec::new();
    let mut rest = &p[start..start + len];
    while !rest.is_empty() {
        let Some(n) = property_len(rest) else { return };
        entries.push(&rest[..n]);
        rest = &rest[n..];
    }
    // Each entry takes the first unused slot of its identifier; entries the
    // command line did not name keep their order after the named ones.
    let mut used_slots = vec![false; order.len()];
    let mut keyed: Vec<(usize, &[u8])> = entries
        .into_iter()
        .map(|e| {
            let slot = (order.iter().enumerate()).position(|(i, id)| *id == e[0] && !used_slots[i]);
            if let Some(i) = slot {
                used_slots[i] = true;
            }
            (slot.unwrap_or(order.len()), e)
        })
        .collect();
    keyed.sort_by_key(|(slot, _)| *slot);
    let sorted: Vec<u8> = keyed.iter().flat_map(|(_, e)| e.iter().copied()).collect();
    p[start..start + len].copy_from_slice(&sorted);
}

/// A client id for MQTT 3.1 when none is given: `mosq-` and 18 random
/// letters and digits, as libmosquitto makes them (3.1 brokers refuse an
/// empty id and ids over 23 characters).
pub fn generated_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut random = [0u8; 18];
    // Should the OS refuse randomness, the clock will do: the id only needs to be unlikely to clash.
    if getrandom::fill(&mut random).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        for (i, b) in random.iter_mut().enumerate() {
            *b = (nanos >> (i * 7)) as u8 ^ (std::process::id() as u8).rotate_left(i as u32);
        }
    }
    let tail: String = (random.iter())
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("mosq-{tail}")
}

/// The reason code of an MQTT 5 CONNACK.
fn connack_v5_code(code: rumqttc5::ConnectReturnCode) -> u8 {
    use rumqttc5::ConnectReturnCode as C;
    match code {
        C::Success => 0,
        C::RefusedProtocolVersion => 1,
        C::BadClientId => 2,
        C::ServiceUnavailable => 3,
        C::UnspecifiedError => 128,
        C::MalformedPacket => 129,
        C::ProtocolError => 130,
        C::ImplementationSpecificError => 131,
        C::UnsupportedProtocolVersion => 132,
        C::ClientIdentifierNotValid => 133,
        C::BadUserNamePassword => 134,
        C::NotAuthorized => 135,
        C::ServerUnavailable => 136,
        C::ServerBusy => 137,
        C::Banned => 138,
        C::BadAuthenticationMethod => 140,
        C::TopicNameInvalid => 144,
        C::PacketTooLarge => 149,
        C::QuotaExceeded => 151,
        C::PayloadFormatInvalid => 153,
        C::RetainNotSupported => 154,
        C::QoSNotSupported => 155,
        C::UseAnotherServer => 156,
        C::ServerMoved => 157,
        C::ConnectionRateExceeded => 159,
    }
}

/// The reason code of one filter of an MQTT 5 SUBACK.
fn suback_v5_code(code: &rumqttc5::SubscribeReasonCode) -> u8 {
    use rumqttc5::SubscribeReasonCode as C;
    match code {
        C::Success(q) => *q as u8,
        C::Failure | C::Unspecified => 0x80,
        C::ImplementationSpecific => 0x83,
        C::NotAuthorized => 0x87,
        C::TopicFilterInvalid => 0x8F,
        C::PkidInUse => 0x91,
        C::QuotaExceeded => 0x97,
        C::SharedSubscriptionsNotSupported => 0x9E,
        C::SubscriptionIdNotSupported => 0xA1,
        C::WildcardSubscriptionsNotSupported => 0xA2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONNECT_311: &[u8] = b"\x10\x0e\x00\x04MQTT\x04\x02\x00\x3c\x00\x02ab";
    const CONNECT_31: &[u8] = b"\x10\x10\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x02ab";

    #[test]
    fn connect_becomes_mqisdp_level_3() {
        assert_eq!(&as_mqtt31(CONNECT_311)[..], CONNECT_31);
        // The remaining length grows across a byte boundary.
        let mut v311 = vec![0x10, 126];
        v311.extend_from_slice(b"\x00\x04MQTT\x04\x02\x00\x3c");
        v311.extend_from_slice(&[0x00, 114]);
        v311.extend(std::iter::repeat_n(b'x', 114));
        let out = as_mqtt31(&v311);
        assert_eq!(&out[..3], &[0x10, 0x80, 0x01]);
        assert_eq!(out.len(), v311.len() + 3);
    }

    /// A v5 PUBLISH to `t` with these property bytes and payload.
    fn publish(qos: u8, pkid: u16, props: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut body = vec![0, 1, b't'];
        if qos > 0 {
            body.extend_from_slice(&pkid.to_be_bytes());
        }
        body.push(props.len() as u8);
        body.extend_from_slice(props);
        body.extend_from_slice(payload);
        [vec![0x30 | (qos << 1), body.len() as u8], body].concat()
    }

    #[test]
    fn publish_properties_follow_the_command_line() {
        // As a library writes them: payload-format 1, user-property a=b,
        // content-type "c", user-property d=e.
        let props: &[u8] = b"\x01\x01\x26\x00\x01a\x00\x01b\x03\x00\x01c\x26\x00\x01d\x00\x01e";
        let mut p = publish(1, 1, props, b"hi");
        // The command line: user-property, content-type, user-property, payload-format.
        reorder_publish_properties(&mut p, &[0x26, 0x03, 0x26, 0x01]);
        let expected: &[u8] = b"\x26\x00\x01a\x00\x01b\x03\x00\x01c\x26\x00\x01d\x00\x01e\x01\x01";
        assert_eq!(p, publish(1, 1, expected, b"hi"));
    }

    #[test]
    fn received_property_order_is_read_off_the_packet() {
        // user property, content type, expiry, payload format, subscription id.
        let props = b"\x26\x00\x01k\x00\x01v\x03\x00\x02ct\x02\x00\x00\x0e\x10\x01\x01\x0b\x07";
        let p = publish(1, 9, props, b"payload");
        assert_eq!(publish_property_ids(&p), Some(vec![0x26, 0x03, 0x02, 0x01, 0x0b]));
        assert_eq!(publish_property_ids(&p[..6]), None);
        assert_eq!(publish_property_ids(b"\xd0\x00"), None);
        assert_eq!(publish_property_ids(&publish(0, 0, b"", b"x")), Some(vec![]));
    }

    #[test]
    fn generated_ids_fit_mqtt_31() {
        let id = generated_id();
        assert_eq!(id.len(), 23);
        assert!(id.starts_with("mosq-") && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert_ne!(id, generated_id());
    }
}
