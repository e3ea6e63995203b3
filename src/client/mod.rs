//! The only code that imports rumqttc (MQTT 3.1.1) and rumqttc5 (MQTT 5).
//!
//! It turns settings into options ([`options`]), builds the byte stream under
//! every connection itself (`transport`: TCP or unix socket, `proxy`, TLS,
//! WebSocket, and `rewrite` for MQTT 3.1 and mosquitto's property order —
//! the library always sees plain TCP), connects until CONNACK
//! ([`Session::connect`]), converts the library's events into mqttkit's own
//! [`Event`]s and errors into [`ConnError`]s with their exit codes
//! ([`events`]), prints mosquitto's `-d` lines ([`debug`]) and runs the
//! publish-and-confirm loop ([`deliver`]). Moving to another MQTT library is
//! a change to this module only.

mod codes;
mod connect;
pub mod debug;
mod deliver;
mod events;
mod message;
pub mod options;
mod proxy;
mod rewrite;
mod session;
mod store;
mod tls;
mod transport;

pub use codes::{connack_v3, reason};
pub use deliver::{Delivery, Sink, deliver};
pub use events::{ConnError, Event};
pub use message::{Message, MessageProps};
pub use session::{Confirmation, ConnectFailure, Outcome, Publisher, Session};

use bytes::Bytes;

use crate::settings::{PublishProps, QoS};

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
