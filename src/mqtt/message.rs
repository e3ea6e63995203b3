//! Messages: one received (whatever the protocol version: raw topic and
//! payload bytes, flags and the MQTT 5 properties), one to publish, and a
//! subscription filter with its options.

use bytes::Bytes;

use super::QoS;
use super::props::PublishProps;

/// A received message.
#[derive(Debug, Clone)]
pub struct Message {
    /// The topic's bytes as sent (a broker may send non-UTF-8).
    pub topic: Bytes,
    pub payload: Bytes,
    pub qos: QoS,
    pub retain: bool,
    pub dup: bool,
    /// Packet id (0 at QoS 0), mosquitto's `mid`.
    pub pkid: u16,
    /// `None` on MQTT 3.1.1 connections.
    pub props: Option<Box<PublishProps>>,
    /// The identifiers of `props` in the order the broker sent them, as
    /// far as known (empty when not): `%j` lists the properties so.
    pub props_order: Vec<u8>,
}

impl Message {
    /// The topic as text (lossy for non-UTF-8 bytes).
    pub fn topic_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.topic)
    }
}

/// A message to publish.
#[derive(Debug, Clone)]
pub struct OutMessage {
    pub topic: String,
    pub payload: Bytes,
    pub qos: QoS,
    pub retain: bool,
    /// MQTT v5 properties (ignored on 3.1.1 connections).
    pub props: Option<Box<PublishProps>>,
}

/// One subscription filter with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub topic: String,
    pub qos: QoS,
    /// MQTT 5 subscription options (ignored on 3.1.1).
    pub no_local: bool,
    pub retain_as_published: bool,
    /// 0 send retained messages, 1 only for new subscriptions, 2 never (`-R`).
    pub retain_handling: u8,
}

impl Filter {
    /// The options as mosquitto's `-d` line prints them (without the QoS bits).
    pub fn options_byte(&self) -> u8 {
        (u8::from(self.no_local) << 2) | (u8::from(self.retain_as_published) << 3) | (self.retain_handling << 4)
    }
}
