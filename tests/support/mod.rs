//! Test support: real mosquitto brokers on free loopback ports, a
//! mosquitto_sub oracle that is known to be subscribed before a test
//! publishes, and hermetic commands for the binaries under test.

#![allow(dead_code)]

pub mod broker;
pub mod certs;
pub mod chaos;
pub mod cmd;
pub mod fake;
pub mod others;
pub mod proxy;
pub mod sub;
pub mod ws;

pub use broker::{Broker, BrokerConfig};
pub use cmd::{hex, mqtt_pub, pub_on, spawn_pub};
pub use sub::Sub;
