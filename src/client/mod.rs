//! The only code that imports the MQTT library (`rumqttc` for MQTT 3.1.1,
//! `rumqttc5` for MQTT 5, and their `rumqttc-core`), and only its packet
//! codec and transport pieces: every program runs on one connection type of
//! our own ([`Connection`]), over a byte stream this module builds
//! (`transport`: TCP or unix socket, `proxy`, TLS, WebSocket).
//!
//! `codec` is the v4/v5 seam (packets both ways, MQTT 3.1's CONNECT,
//! mosquitto's property order); `flows` the QoS 1/2 flows in flight,
//! `store` a persistent session's file; `debug` prints mosquitto's `-d`
//! lines. Moving to another MQTT library is a change to this module only.

pub mod backoff;
mod codec;
mod conn;
mod connect;
pub mod debug;
mod events;
mod failure;
mod flows;
mod gather;
mod proxy;
mod store;
mod tls;
mod transport;

pub use conn::{Connection, Connector, Outbox};
pub use events::{ConnError, Event};
pub use failure::{ConnectFailure, Retry};
pub use transport::{Phases, target as target_of};
