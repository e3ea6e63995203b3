//! The one integration-test binary: every module runs the real programs
//! against real mosquitto brokers started by `support`.

mod support;

mod bench;
mod brokers;
mod check;
mod codecs;
mod generated;
mod layers;
mod misbehaving;
mod mosquitto_compat;
mod passwd;
mod payloads;
mod pub_config;
mod pub_delivery;
mod pub_errors;
mod pub_lines;
mod pub_signals;
mod pub_terminal;
mod replay;
mod restarts;
mod rr;
mod soak;
mod sub_flow;
mod sub_output;
mod tls;
mod ws;
