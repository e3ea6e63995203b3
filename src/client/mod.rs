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

pub mod backoff;
mod codes;
mod connect;
pub mod debug;
mod deliver;
mod events;
mod gather;
mod ids;
mod lean;
mod message;
pub mod options;
mod prop_order;
mod proxy;
mod rewrite;
mod session;
mod store;
mod tls;
mod transport;
mod window;

pub use codes::{connack_v3, reason};
pub use deliver::{Delivery, Sink, deliver};
pub use events::{ConnError, Event};
pub use lean::{Connector, Lean, LeanPublisher};
pub use session::{Confirmation, ConnectFailure, Outcome, Publisher, Session};
pub use transport::{Phases, target as target_of};
pub use window::Window;
